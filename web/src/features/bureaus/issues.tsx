import { useId, useMemo, useState, type ReactNode } from 'react';
import { Link } from 'react-router';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { isApiProblem, useApi } from '../../lib/api';
import { todayInTokyo } from '../../lib/dates';
import { ConfirmDelete, FormOpener, deeper, useFocusOnClose, type HeadingTag } from '../../components/form';
import { ifMatch, QUARTERS, useInvalidatePolicies, type KpiOut, type MilestoneOut, type PolicyIssueOut } from './api';
import { useAnnounce } from './announce';
import { formatShortDate } from '../../lib/dates';
import { formatChangePercent, formatNumber, levelLabel, milestoneStateLabel, quarterLabel } from './format';
import { IssueForm } from './forms/IssueForm';
import { ActualForm, KpiForm } from './forms/KpiForm';
import { MilestoneForm } from './forms/MilestoneForm';
import { NoteForm } from './forms/NoteForm';
import { KpiChart } from './KpiChart';
import { mayEditIssue, mayEditKpi, mayEditMilestone } from '../../lib/permissions';

function useLanguage(): string {
  const { i18n } = useTranslation();
  return i18n.resolvedLanguage ?? 'ja';
}

/** A write refused outside a form is read out as an alert; a 412 also refreshes the screen. */
function useRefusal() {
  const { t } = useTranslation();
  const { alert } = useAnnounce();
  const invalidate = useInvalidatePolicies();
  return async (error: unknown) => {
    if (isApiProblem(error) && error.status === 412) {
      alert(t('bureaus.stale'));
      await invalidate();
    } else {
      alert(isApiProblem(error) ? error.localizedMessage(t) : t('problem.internal_error'));
    }
  };
}

// ---------------------------------------------------------------------------------------------
// Impact × urgency

/**
 * インパクト × 緊急度: a 2×2 table whose cells list the codes of the issues placed there; issues
 * without both ratings are listed apart so none is hidden.
 */
export function IssueMatrix({ issues, hrefOf }: { issues: PolicyIssueOut[]; hrefOf: (issue: PolicyIssueOut) => string }) {
  const { t } = useTranslation();
  const unplaced = issues.filter((i) => !i.impact || !i.urgency);

  function cell(impact: 'high' | 'low', urgency: 'high' | 'low') {
    const placed = issues.filter((i) => i.impact === impact && i.urgency === urgency);
    if (placed.length === 0) {
      return (
        <>
          <span aria-hidden="true">―</span>
          <span className="visually-hidden">{t('bureaus.matrixEmpty')}</span>
        </>
      );
    }
    return (
      <ul className="bp-matrix__list">
        {placed.map((issue) => (
          <li key={issue.id}>
            <a href={hrefOf(issue)} className="bp-matrix__code">
              {issue.code}
            </a>{' '}
            <span className="bp-matrix__title">{issue.title}</span>
          </li>
        ))}
      </ul>
    );
  }

  return (
    <>
      <div className="pp-table-wrap">
        <table className="bp-matrix" data-testid="issue-matrix">
          <caption>{t('bureaus.matrixCaption')}</caption>
          <thead>
            <tr>
              <td className="bp-matrix__corner">
                <span className="visually-hidden">{t('bureaus.matrixCorner')}</span>
              </td>
              <th scope="col">{t('bureaus.urgencyHigh')}</th>
              <th scope="col">{t('bureaus.urgencyLow')}</th>
            </tr>
          </thead>
          <tbody>
            {(['high', 'low'] as const).map((impact) => (
              <tr key={impact}>
                <th scope="row">{impact === 'high' ? t('bureaus.impactHigh') : t('bureaus.impactLow')}</th>
                <td className={`bp-matrix__cell bp-matrix__cell--${impact}-high`}>{cell(impact, 'high')}</td>
                <td className={`bp-matrix__cell bp-matrix__cell--${impact}-low`}>{cell(impact, 'low')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {unplaced.length > 0 && (
        <div className="bp-unplaced">
          <p id="bp-unplaced-label" className="bp-unplaced__label">
            {t('bureaus.unplacedHeading')}
          </p>
          <ul aria-labelledby="bp-unplaced-label" className="bp-matrix__list" data-testid="unplaced-issues">
            {unplaced.map((issue) => (
              <li key={issue.id}>
                <a href={hrefOf(issue)} className="bp-matrix__code">
                  {issue.code}
                </a>{' '}
                <span className="bp-matrix__title">{issue.title}</span>
              </li>
            ))}
          </ul>
        </div>
      )}
    </>
  );
}

// ---------------------------------------------------------------------------------------------
// One issue

/**
 * The body of an issue card: its ratings and texts, the quarter plan, the progress notes and the
 * KPIs, with the editing controls when the caller may edit. `sub` is the level of its headings.
 */
export function IssueDetails({
  issue,
  sub,
  onDeleted,
}: {
  issue: PolicyIssueOut;
  sub: HeadingTag;
  onDeleted?: () => void;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const { announce } = useAnnounce();
  const invalidate = useInvalidatePolicies();
  const refuse = useRefusal();
  const [editing, setEditing] = useState(false);
  const editButton = useFocusOnClose(editing);

  const remove = useMutation({
    mutationFn: async () => {
      await api.client.DELETE('/api/v1/policy-issues/{id}', {
        params: { path: { id: issue.id }, header: { 'If-Match': ifMatch(issue.version) } },
      });
    },
    onSuccess: async () => {
      announce(t('bureaus.issueDeleted', { code: issue.code }));
      onDeleted?.();
      await invalidate();
    },
    onError: refuse,
  });

  const texts: [string, string | null | undefined][] = [
    [t('bureaus.issueFields.content'), issue.content],
    [t('bureaus.issueFields.background'), issue.background],
    [t('bureaus.issueFields.target_outcome'), issue.target_outcome],
    [t('bureaus.issueFields.actions'), issue.actions],
  ];

  return (
    <div className="bp-issue__body">
      <dl className="summary-list bp-issue__meta">
        <div>
          <dt>{t('bureaus.issueFields.area')}</dt>
          <dd>{t(`bureaus.areas.${issue.area}`)}</dd>
        </div>
        <div>
          <dt>{t('bureaus.issueFields.policyField')}</dt>
          <dd>{issue.policy_field || t('bureaus.none')}</dd>
        </div>
        <div>
          <dt>{t('bureaus.issueStatus')}</dt>
          <dd data-testid="issue-status">{issue.status ? t(`bureaus.issueStatuses.${issue.status}`) : t('bureaus.none')}</dd>
        </div>
        <div>
          <dt>{t('bureaus.health')}</dt>
          <dd data-testid="issue-health" title={t('bureaus.healthHint')}>
            <span className={`bp-health bp-health--${issue.health}`}>{t(`bureaus.healthLabels.${issue.health}`)}</span>
          </dd>
        </div>
        <div>
          <dt>{t('bureaus.impact')}</dt>
          <dd>{levelLabel(t, issue.impact)}</dd>
        </div>
        <div>
          <dt>{t('bureaus.urgency')}</dt>
          <dd>{levelLabel(t, issue.urgency)}</dd>
        </div>
        {texts
          .filter(([, value]) => value)
          .map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd className="pp-pre">{value}</dd>
            </div>
          ))}
      </dl>
      {mayEditIssue(issue) && !editing && (
        <div className="button-row">
          <button
            ref={editButton}
            type="button"
            className="button button--secondary button--small"
            aria-label={t('bureaus.editIssueLabel', { code: issue.code })}
            onClick={() => setEditing(true)}
          >
            {t('bureaus.editIssue')}
          </button>
          <ConfirmDelete
            label={t('bureaus.deleteIssueLabel', { code: issue.code })}
            question={t('bureaus.deleteIssueQuestion', { code: issue.code, title: issue.title })}
            pending={remove.isPending}
            onConfirm={() => remove.mutate()}
          />
        </div>
      )}
      {editing && (
        <IssueForm
          policyId={issue.policy_id}
          issue={issue}
          as={sub}
          onCancel={() => setEditing(false)}
          onDone={(message) => {
            setEditing(false);
            announce(message);
          }}
        />
      )}
      <QuarterGrid issue={issue} sub={sub} />
      <ProgressNotes issue={issue} sub={sub} />
      <KpiSection issue={issue} sub={sub} />
    </div>
  );
}

function Heading({ as: Tag, id, children }: { as: HeadingTag; id?: string; children: ReactNode }) {
  return (
    <Tag id={id} className="bp-subheading">
      {children}
    </Tag>
  );
}

// ---------------------------------------------------------------------------------------------
// Quarter plan

function QuarterGrid({ issue, sub }: { issue: PolicyIssueOut; sub: HeadingTag }) {
  const { t } = useTranslation();
  const { announce } = useAnnounce();
  const ids = useId();
  const [editingId, setEditingId] = useState<number | null>(null);
  const workstreams = useMemo(() => {
    const out: string[] = [];
    for (const m of issue.milestones) {
      const ws = m.workstream ?? '';
      if (!out.includes(ws)) out.push(ws);
    }
    return out;
  }, [issue.milestones]);
  const named = workstreams.filter((w) => w !== '');
  const editingMilestone = issue.milestones.find((m) => m.id === editingId);

  return (
    <div className="bp-block">
      <Heading as={sub} id={`${ids}-h`}>
        {t('bureaus.planHeading')}
      </Heading>
      {issue.milestones.length === 0 ? (
        <p>{t('bureaus.noMilestones')}</p>
      ) : (
        <div className="pp-table-wrap">
          <table className="pp-table bp-grid">
            <caption className="visually-hidden">{t('bureaus.gridCaption', { code: issue.code, title: issue.title })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('bureaus.workstream')}</th>
                {QUARTERS.map((q) => (
                  <th key={q} scope="col">
                    {quarterLabel(t, q)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {workstreams.map((ws) => (
                <tr key={ws}>
                  <th scope="row">{ws || t('bureaus.generalWorkstream')}</th>
                  {QUARTERS.map((q) => {
                    const items = issue.milestones.filter((m) => (m.workstream ?? '') === ws && m.quarter === q);
                    return (
                      <td key={q}>
                        {items.length > 0 && (
                          <ul className="bp-milestones">
                            {items.map((m) => (
                              <MilestoneItem key={m.id} milestone={m} onEdit={() => setEditingId(m.id)} />
                            ))}
                          </ul>
                        )}
                      </td>
                    );
                  })}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {editingMilestone && (
        <MilestoneForm
          key={editingMilestone.id}
          issueId={issue.id}
          milestone={editingMilestone}
          workstreams={named}
          as={deeper(sub)}
          onCancel={() => setEditingId(null)}
          onDone={(message) => {
            setEditingId(null);
            announce(message);
          }}
        />
      )}
      <FormOpener
        allowed={mayEditIssue(issue)}
        label={t('bureaus.addMilestone')}
        ariaLabel={t('bureaus.addMilestoneLabel', { code: issue.code })}
        onDone={announce}
      >
        {({ close, done }) => (
          <MilestoneForm issueId={issue.id} workstreams={named} as={deeper(sub)} onCancel={close} onDone={done} />
        )}
      </FormOpener>
    </div>
  );
}

function MilestoneItem({ milestone: m, onEdit }: { milestone: MilestoneOut; onEdit: () => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const language = useLanguage();
  const { announce } = useAnnounce();
  const invalidate = useInvalidatePolicies();
  const refuse = useRefusal();

  const markDone = useMutation({
    mutationFn: async () => {
      await api.client.PUT('/api/v1/milestones/{id}', {
        params: { path: { id: m.id }, header: { 'If-Match': ifMatch(m.version) } },
        body: { workstream: m.workstream ?? null, quarter: m.quarter, title: m.title, state: 'done', done_on: todayInTokyo() },
      });
    },
    onSuccess: async () => {
      await invalidate();
      announce(t('bureaus.milestoneDone', { title: m.title }));
    },
    onError: refuse,
  });
  const remove = useMutation({
    mutationFn: async () => {
      await api.client.DELETE('/api/v1/milestones/{id}', {
        params: { path: { id: m.id }, header: { 'If-Match': ifMatch(m.version) } },
      });
    },
    onSuccess: async () => {
      await invalidate();
      announce(t('bureaus.milestoneDeleted', { title: m.title }));
    },
    onError: refuse,
  });

  return (
    <li className={`bp-milestone bp-milestone--${m.state}`} data-testid={`milestone-${m.id}`}>
      <span className="bp-milestone__title">{m.title}</span>{' '}
      <span className={`bp-state bp-state--${m.state}`}>{milestoneStateLabel(t, m.state)}</span>
      {m.overdue && (
        <>
          {' '}
          <span className="bp-state bp-state--overdue">{t('bureaus.overdue')}</span>
        </>
      )}
      {m.health !== 'done' && m.health !== 'late' && (
        <>
          {' '}
          <span className={`bp-health bp-health--${m.health}`} data-testid="milestone-health">
            {t('bureaus.milestoneHealth', { label: t(`bureaus.healthLabels.${m.health}`) })}
          </span>
        </>
      )}
      {m.state === 'done' && m.done_on && (
        <span className="bp-milestone__date">{t('bureaus.doneOn', { date: formatShortDate(m.done_on, language) })}</span>
      )}
      {m.state !== 'done' && (
        <span className="bp-milestone__date">{t('bureaus.dueOn', { date: formatShortDate(m.due_on, language) })}</span>
      )}
      {m.state === 'slipped' && m.slip_reason && (
        <span className="bp-milestone__reason" data-testid="slip-reason">
          {t('bureaus.slipReasonShown', { reason: m.slip_reason })}
        </span>
      )}
      {mayEditMilestone(m) && (
        <span className="bp-milestone__actions">
          {m.state !== 'done' && (
            <button
              type="button"
              className="button button--primary button--small"
              aria-label={t('bureaus.markDoneLabel', { title: m.title })}
              disabled={markDone.isPending}
              onClick={() => markDone.mutate()}
            >
              {t('bureaus.markDone')}
            </button>
          )}
          <button
            type="button"
            className="button button--secondary button--small"
            aria-label={t('bureaus.editMilestoneLabel', { title: m.title })}
            onClick={onEdit}
          >
            {t('bureaus.edit')}
          </button>
          <ConfirmDelete
            label={t('bureaus.deleteMilestoneLabel', { title: m.title })}
            question={t('bureaus.deleteMilestoneQuestion', { title: m.title })}
            pending={remove.isPending}
            onConfirm={() => remove.mutate()}
          />
        </span>
      )}
    </li>
  );
}

// ---------------------------------------------------------------------------------------------
// Progress notes

function ProgressNotes({ issue, sub }: { issue: PolicyIssueOut; sub: HeadingTag }) {
  const { t } = useTranslation();
  const api = useApi();
  const ids = useId();
  const { announce } = useAnnounce();
  const invalidate = useInvalidatePolicies();
  const refuse = useRefusal();
  const remove = useMutation({
    mutationFn: async (id: number) => {
      await api.client.DELETE('/api/v1/progress-notes/{id}', { params: { path: { id } } });
    },
    onSuccess: async () => {
      await invalidate();
      announce(t('bureaus.noteDeleted'));
    },
    onError: refuse,
  });

  return (
    <div className="bp-block">
      <Heading as={sub} id={`${ids}-h`}>
        {t('bureaus.progressHeading')}
      </Heading>
      {issue.progress_notes.length === 0 ? (
        <p>{t('bureaus.noNotes')}</p>
      ) : (
        <ul className="pp-plain-list pp-entries">
          {issue.progress_notes.map((note) => (
            <li key={note.id} className="pp-entry">
              <p className="pp-entry__title">
                <strong>{note.as_of_label}</strong>
              </p>
              <p className="pp-pre">{note.body}</p>
              {mayEditIssue(issue) && (
                <ConfirmDelete
                  label={t('bureaus.deleteNoteLabel', { label: note.as_of_label })}
                  question={t('bureaus.deleteNoteQuestion', { label: note.as_of_label })}
                  pending={remove.isPending}
                  onConfirm={() => remove.mutate(note.id)}
                />
              )}
            </li>
          ))}
        </ul>
      )}
      <FormOpener
        allowed={mayEditIssue(issue)}
        label={t('bureaus.addNote')}
        ariaLabel={t('bureaus.addNoteLabel', { code: issue.code })}
        onDone={announce}
      >
        {({ close, done }) => <NoteForm issueId={issue.id} as={deeper(sub)} onCancel={close} onDone={done} />}
      </FormOpener>
    </div>
  );
}

// ---------------------------------------------------------------------------------------------
// KPIs

/** `105.7 件（令和6年11月30日）`; empty when there is no value. */
function valueWithDate(value: number | null | undefined, unit: string, on: string | null | undefined, language: string) {
  if (value == null) return null;
  const date = on ? formatShortDate(on, language) : '';
  return (
    <>
      <span className="rf-number">
        {formatNumber(value, language)} {unit}
      </span>
      {date && <span className="bp-kpi__date">{date}</span>}
    </>
  );
}

export function KpiTable({ kpis, caption, linkNames = true }: { kpis: KpiOut[]; caption: string; linkNames?: boolean }) {
  const { t } = useTranslation();
  const language = useLanguage();
  return (
    <div className="pp-table-wrap">
      <table className="pp-table bp-kpi-table">
        <caption className="visually-hidden">{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{t('bureaus.kpiColumns.name')}</th>
            <th scope="col">{t('bureaus.kpiColumns.baseline')}</th>
            <th scope="col">{t('bureaus.kpiColumns.latest')}</th>
            <th scope="col">{t('bureaus.kpiColumns.change')}</th>
            <th scope="col">{t('bureaus.kpiColumns.target')}</th>
            <th scope="col">{t('bureaus.kpiColumns.health')}</th>
          </tr>
        </thead>
        <tbody>
          {kpis.map((kpi) => (
            <tr key={kpi.id}>
              <th scope="row">{linkNames ? <Link to={`/kpis/${kpi.id}`}>{kpi.name}</Link> : kpi.name}</th>
              <td>{valueWithDate(kpi.baseline_value, kpi.unit, kpi.baseline_on, language)}</td>
              <td>{valueWithDate(kpi.latest_value, kpi.unit, kpi.latest_on, language) ?? t('bureaus.noActual')}</td>
              <td className="rf-number" data-testid={`kpi-change-${kpi.id}`}>
                {formatChangePercent(kpi.change_percent) || t('bureaus.none')}
              </td>
              <td>{valueWithDate(kpi.target_value, kpi.unit, kpi.target_on, language) ?? t('bureaus.none')}</td>
              <td data-testid={`kpi-health-${kpi.id}`}>
                <span className={`bp-health bp-health--${kpi.health}`}>{t(`bureaus.healthLabels.${kpi.health}`)}</span>
                {kpi.direction && (
                  <span className="bp-kpi__date">
                    {t(kpi.direction_set ? 'bureaus.kpiDirectionSet' : 'bureaus.kpiDirectionReadShort', {
                      direction: t(`bureaus.kpiDirections.${kpi.direction}`),
                    })}
                  </span>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function KpiSection({ issue, sub }: { issue: PolicyIssueOut; sub: HeadingTag }) {
  const { t } = useTranslation();
  const language = useLanguage();
  const ids = useId();
  const { announce } = useAnnounce();

  return (
    <div className="bp-block">
      <Heading as={sub} id={`${ids}-h`}>
        {t('bureaus.kpiHeading')}
      </Heading>
      {issue.kpis.length === 0 ? (
        <p>{t('bureaus.noKpis')}</p>
      ) : (
        <>
          <KpiTable kpis={issue.kpis} caption={t('bureaus.kpiCaption', { code: issue.code })} />
          <div className="bp-charts">
            {issue.kpis.map((kpi) => (
              <div key={kpi.id} className="bp-chart-item">
                <KpiChart kpi={kpi} language={language} />
                {mayEditKpi(kpi) && <KpiControls kpi={kpi} sub={deeper(sub)} />}
              </div>
            ))}
          </div>
        </>
      )}
      <FormOpener
        allowed={mayEditIssue(issue)}
        label={t('bureaus.addKpi')}
        ariaLabel={t('bureaus.addKpiLabel', { code: issue.code })}
        onDone={announce}
      >
        {({ close, done }) => <KpiForm issueId={issue.id} as={deeper(sub)} onCancel={close} onDone={done} />}
      </FormOpener>
    </div>
  );
}

/** Add an actual, edit or delete one KPI (the KPI page uses the same controls). */
export function KpiControls({ kpi, sub, onDeleted }: { kpi: KpiOut; sub: HeadingTag; onDeleted?: () => void }) {
  const { t } = useTranslation();
  const api = useApi();
  const { announce } = useAnnounce();
  const invalidate = useInvalidatePolicies();
  const refuse = useRefusal();
  const [open, setOpen] = useState<'actual' | 'edit' | null>(null);
  const actualButton = useFocusOnClose(open === 'actual');
  const editButton = useFocusOnClose(open === 'edit');
  const remove = useMutation({
    mutationFn: async () => {
      await api.client.DELETE('/api/v1/kpis/{id}', {
        params: { path: { id: kpi.id }, header: { 'If-Match': ifMatch(kpi.version) } },
      });
    },
    onSuccess: async () => {
      announce(t('bureaus.kpiDeleted', { name: kpi.name }));
      onDeleted?.();
      await invalidate();
    },
    onError: refuse,
  });
  const done = (message: string) => {
    setOpen(null);
    announce(message);
  };

  return (
    <div className="bp-kpi-controls">
      {open === null && (
        <div className="button-row">
          <button
            ref={actualButton}
            type="button"
            className="button button--secondary button--small"
            aria-label={t('bureaus.addActualLabel', { name: kpi.name })}
            onClick={() => setOpen('actual')}
          >
            {t('bureaus.addActual')}
          </button>
          <button
            ref={editButton}
            type="button"
            className="button button--secondary button--small"
            aria-label={t('bureaus.editKpiLabel', { name: kpi.name })}
            onClick={() => setOpen('edit')}
          >
            {t('bureaus.edit')}
          </button>
          <ConfirmDelete
            label={t('bureaus.deleteKpiLabel', { name: kpi.name })}
            question={t('bureaus.deleteKpiQuestion', { name: kpi.name })}
            pending={remove.isPending}
            onConfirm={() => remove.mutate()}
          />
        </div>
      )}
      {open === 'actual' && <ActualForm kpi={kpi} as={sub} onCancel={() => setOpen(null)} onDone={done} />}
      {open === 'edit' && <KpiForm issueId={kpi.issue_id} kpi={kpi} as={sub} onCancel={() => setOpen(null)} onDone={done} />}
    </div>
  );
}
