import { useEffect, useId, useRef, useState, type FocusEvent, type FormEvent, type KeyboardEvent } from 'react';
import { useNavigate } from 'react-router';
import { useTranslation } from 'react-i18next';
import { isApiProblem } from '../../lib/api';
import {
  MAX_QUERY_LENGTH,
  countOf,
  groupHitsByKind,
  hitPath,
  searchPageLink,
  useSearch,
  type SearchHitOut,
} from './api';
import { HitMeta, Highlighted } from './Highlighted';
import { useDebouncedValue } from '../../lib/useDebouncedValue';
import './search.css';

const SUGGESTION_COUNT = 8;
const DEBOUNCE_MS = 250;

type BoxOption = { key: string; hit: SearchHitOut } | { key: 'all'; hit: null };

/**
 * 横断検索 in the header: an ARIA 1.2 combobox whose listbox groups the first hits by kind.
 * Focus stays in the input; the active option is conveyed with aria-activedescendant.
 */
export function SearchBox() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const ids = useId();
  const listboxId = `${ids}-listbox`;
  const inputRef = useRef<HTMLInputElement>(null);
  const [text, setText] = useState('');
  const [open, setOpen] = useState(false);
  const [activeKey, setActiveKey] = useState<string | null>(null);

  const typed = text.trim();
  const q = useDebouncedValue(typed, DEBOUNCE_MS);
  const search = useSearch({ q, per_page: SUGGESTION_COUNT }, { enabled: open });
  const popupShown = open && typed.length > 0 && q.length > 0;
  const data = popupShown ? search.data : undefined;
  const groups = data ? groupHitsByKind(data.hits) : [];

  const options: BoxOption[] = groups.flatMap((group) => group.hits.map((hit) => ({ key: `${hit.kind}-${hit.id}`, hit })));
  if (data && data.total > 0) options.push({ key: 'all', hit: null });
  const activeIndex = options.findIndex((option) => option.key === activeKey);
  const listShown = popupShown && !!data && data.total > 0 && !search.isError;
  const optionId = (key: string) => `${ids}-option-${key}`;

  useEffect(() => {
    if (activeKey) document.getElementById(`${ids}-option-${activeKey}`)?.scrollIntoView?.({ block: 'nearest' });
  }, [activeKey, ids]);

  function reset() {
    setText('');
    setOpen(false);
    setActiveKey(null);
  }

  function choose(option: BoxOption) {
    navigate(option.hit ? hitPath(option.hit) : searchPageLink(typed));
    reset();
  }

  function move(step: 1 | -1) {
    if (options.length === 0) return;
    const next =
      activeIndex === -1 ? (step === 1 ? 0 : options.length - 1) : (activeIndex + step + options.length) % options.length;
    setActiveKey(options[next]?.key ?? null);
  }

  function handleKeyDown(event: KeyboardEvent<HTMLInputElement>) {
    // Enter and the arrows also confirm and choose kana–kanji conversions; leave those to the IME.
    if (event.nativeEvent.isComposing || event.keyCode === 229) return;
    switch (event.key) {
      case 'ArrowDown':
      case 'ArrowUp':
        if (!typed) return;
        event.preventDefault();
        if (!open) {
          setOpen(true);
          return;
        }
        move(event.key === 'ArrowDown' ? 1 : -1);
        return;
      case 'Enter': {
        const active = listShown ? options[activeIndex] : undefined;
        if (active) {
          event.preventDefault();
          choose(active);
        }
        // Otherwise the form submits and opens the results page.
        return;
      }
      case 'Escape':
        if (open && typed) {
          event.preventDefault();
          setOpen(false);
          setActiveKey(null);
        } else if (text) {
          event.preventDefault();
          setText('');
        }
        return;
      default:
    }
  }

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (!typed) {
      inputRef.current?.focus();
      return;
    }
    navigate(searchPageLink(typed));
    reset();
  }

  function handleBlur(event: FocusEvent<HTMLFormElement>) {
    if (!event.currentTarget.contains(event.relatedTarget as Node | null)) {
      setOpen(false);
      setActiveKey(null);
    }
  }

  let status = '';
  if (popupShown && search.isError) {
    status = t('search.box.failed', { message: isApiProblem(search.error) ? search.error.localizedMessage(t) : '' });
  } else if (data && !search.isPlaceholderData) {
    status = data.total === 0 ? t('search.box.noResults', { query: q }) : t('search.box.found', { count: data.total });
  }

  return (
    <form role="search" aria-label={t('search.box.landmark')} className="sr-box" onSubmit={handleSubmit} onBlur={handleBlur}>
      <label htmlFor={`${ids}-input`} className="visually-hidden">
        {t('search.box.label')}
      </label>
      <div className="sr-box__row">
        <input
          ref={inputRef}
          id={`${ids}-input`}
          type="text"
          role="combobox"
          className="form-field__input sr-box__input"
          autoComplete="off"
          spellCheck={false}
          enterKeyHint="search"
          maxLength={MAX_QUERY_LENGTH}
          placeholder={t('search.box.placeholder')}
          aria-autocomplete="list"
          aria-expanded={listShown}
          aria-controls={listShown ? listboxId : undefined}
          aria-activedescendant={listShown && activeIndex >= 0 && activeKey ? optionId(activeKey) : undefined}
          aria-describedby={`${ids}-instructions`}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setOpen(true);
            setActiveKey(null);
          }}
          onClick={() => setOpen(true)}
          onKeyDown={handleKeyDown}
        />
        <button type="submit" className="sr-box__submit">
          <svg aria-hidden="true" focusable="false" viewBox="0 0 24 24" width="24" height="24">
            <circle cx="10" cy="10" r="6.5" fill="none" stroke="currentColor" strokeWidth="2.5" />
            <path d="M15 15l6 6" stroke="currentColor" strokeWidth="2.5" strokeLinecap="round" />
          </svg>
          <span className="visually-hidden">{t('search.box.submit')}</span>
        </button>
      </div>
      <p id={`${ids}-instructions`} className="visually-hidden">
        {t('search.box.instructions')}
      </p>
      <p role="status" className="visually-hidden" data-testid="search-box-status">
        {status}
      </p>

      {popupShown && (
        <div className="sr-box__popup">
          {search.isError && (
            <p className="sr-box__message sr-box__message--error">
              {t('search.box.failed', {
                message: isApiProblem(search.error) ? search.error.localizedMessage(t) : t('problem.internal_error'),
              })}
            </p>
          )}
          {!search.isError && !data && <p className="sr-box__message">{t('search.box.searching')}</p>}
          {!search.isError && data && data.total === 0 && (
            <p className="sr-box__message">{t('search.box.noResults', { query: q })}</p>
          )}
          {listShown && data && (
            <div role="listbox" id={listboxId} aria-label={t('search.box.label')} className="sr-box__listbox">
              {groups.map((group) => {
                const labelId = `${ids}-group-${group.kind}`;
                return (
                  <ul key={group.kind} role="group" aria-labelledby={labelId} className="sr-box__group">
                    <li role="presentation" id={labelId} className="sr-box__group-label">
                      {t('search.box.groupLabel', {
                        label: t(`search.kinds.${group.kind}`),
                        count: countOf(data, group.kind),
                      })}
                    </li>
                    {group.hits.map((hit) => {
                      const key = `${hit.kind}-${hit.id}`;
                      return (
                        <li
                          key={key}
                          id={optionId(key)}
                          role="option"
                          aria-selected={key === activeKey}
                          className="sr-box__option"
                          // Keeps focus in the input, so the blur handler does not close the list first.
                          onMouseDown={(e) => e.preventDefault()}
                          onClick={() => choose({ key, hit })}
                        >
                          <span className="sr-box__title">
                            <Highlighted fragments={hit.title} />
                          </span>{' '}
                          <HitMeta hit={hit} className="sr-box__meta" />
                        </li>
                      );
                    })}
                  </ul>
                );
              })}
              <div
                id={optionId('all')}
                role="option"
                aria-selected={activeKey === 'all'}
                className="sr-box__option sr-box__option--all"
                onMouseDown={(e) => e.preventDefault()}
                onClick={() => choose({ key: 'all', hit: null })}
              >
                {t('search.box.showAll', { query: typed, total: data.total })}
              </div>
            </div>
          )}
        </div>
      )}
    </form>
  );
}
