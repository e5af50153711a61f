import { useTranslation } from 'react-i18next';
import { LANGUAGES, currentLanguage, setLanguage } from '../../lib/i18n';

/** 日本語 / English toggle; each button is labelled in its own language. */
export function LanguageSwitch() {
  const { t, i18n } = useTranslation();
  const active = i18n.resolvedLanguage ?? currentLanguage();
  return (
    <div className="language-switch" role="group" aria-label={t('language.groupLabel')}>
      {LANGUAGES.map((language) => (
        <button
          key={language}
          type="button"
          lang={language}
          aria-pressed={active === language}
          className="language-switch__button"
          onClick={() => void setLanguage(language)}
        >
          {t(`language.${language}`)}
        </button>
      ))}
    </div>
  );
}
