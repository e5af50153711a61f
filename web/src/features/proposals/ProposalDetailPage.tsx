import { useEffect, useId, useMemo, useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { useFlash } from '../../lib/flash';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { dataOf, isApiProblem, useApi, type ApiProblem } from '../../lib/api';
import { useAuth } from '../../lib/auth';
import { usePageTitle } from '../../lib/usePageTitle';
import {
  ifMatch,
  PROPOSALS_KEY,
  proposalKeys,
  STAGES,
  useConsultations,
  useHistory,
  useProjectTeams,
  useProposal,
  useSectionOptions,
  type AssignmentOut,
  type Decision,
  type ProposalOut,
} from './api';
import { formatDate, formatDateTime, todayInTokyo } from '../../lib/dates';
import {
  FormFrame,
  RadioGroup,
  SelectInput,
  TextInput,
  savingWith,
  toApiProblem,
  type ProblemOverride,
} from '../../components/form';
import { decisionLabel, stageLabel, statusLabel } from '../../lib/labels';
import { bodyOf, ProposalForm, valuesOf, type ProposalValues } from './ProposalForm';
import { StageBadge } from '../../components/records/StageBadge';
import './proposals.css';
import { mayAssignSection, mayEditProposal, mayMoveStage, mayRecordConsultation } from '../../lib/permissions';
import { LoadProblem } from '../../components/records/LoadProblem';
import { FollowToggle } from '../../components/records/FollowToggle';

type Announce = (message: string) => void;

export function ProposalDetailPage() {
  const { t, i18n } = useTranslation();
  const { id: idParam } = useParams();
  const id = Number(idParam);
  const { user } = useAuth();
  const proposal = useProposal(id);
  const [announcement, setAnnouncement] = useState(useFlash());
  usePageTitle(proposal.data?.title ?? t('proposals.listTitle'));

  const data = proposal.data;
  const mayEdit = !!data && mayEditProposal(user, data);
  const mayConsult = !!data && mayRecordConsultation(user, data);
  const language = i18n.resolvedLanguage ?? 'ja';

  return (
    <div className="page pp-page">
      <p>
        <Link to="/proposals">{t('proposals.backToList')}</Link>
      </p>
      <div role="status" aria-atomic="true" className="alert-region" data-testid="proposal-announcement">
        {announcement && <div className="notice notice--info">{announcement}</div>}
      </div>
      {proposal.isPending && (
        <>
          <h1 tabIndex={-1}>{t('proposals.listTitle')}</h1>
          <p role="status">{t('proposals.detailLoading')}</p>
        </>
      )}
      {proposal.isError && (
        <>
          <h1 tabIndex={-1}>{t('proposals.listTitle')}</h1>
          <LoadProblem error={proposal.error} notFound={t('proposals.notFound')} />
        </>
      )}
      {data && (
        <>
          <h1 tabIndex={-1}>{data.title}</h1>
          <FollowToggle kind="proposal" id={data.id} />
          <Overview proposal={data} language={language} mayEdit={mayEdit} announce={setAnnouncement} />
          <section className="card pp-section" aria-labelledby="pp-assignments-heading">
            <h2 id="pp-assignments-heading">{t('proposals.assignmentsHeading')}</h2>
            {data.assignments.length === 0 && <p>{t('proposals.noAssignments')}</p>}
            {data.assignments.map((assignment) => (
              <AssignmentCard key={assignment.id} proposal={data} assignment={assignment} announce={setAnnouncement} />
            ))}
            {mayAssignSection(user) && <AddAssignmentForm proposal={data} announce={setAnnouncement} />}
          </section>
          <Consultations proposalId={data.id} mayAdd={mayConsult} language={language} announce={setAnnouncement} />
          <History proposalId={data.id} language={language} />
        </>
      )}
    </div>
  );
}

function Overview({
  proposal,
  language,
  mayEdit,
  announce,
}: {
  proposal: ProposalOut;
  language: string;
  mayEdit: boolean;
  announce: Announce;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const queryClient = useQueryClient();
  const teams = useProjectTeams();
  const [editing, setEditing] = useState(false);
  const [stale, setStale] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  const headingId = useId();
  // Reset the form only when the record itself changed (a 412 reload), not on a stage move.
  const versionShown = proposal.version;
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the version on purpose (see above)
  const initial = useMemo(() => valuesOf(proposal), [versionShown]);

  useEffect(() => {
    if (wasEditing.current && !editing) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  const save = useMutation({
    mutationFn: async (values: ProposalValues) =>
      dataOf(
        await api.client.PUT('/api/v1/proposals/{id}', {
          params: { path: { id: proposal.id }, header: { 'If-Match': ifMatch(proposal.version) } },
          body: bodyOf(values, proposal.continues_proposal_id),
        }),
      ),
    onMutate: () => setStale(false),
    onSuccess: async (updated) => {
      queryClient.setQueryData(proposalKeys.detail(updated.id), updated);
      await queryClient.invalidateQueries({ queryKey: PROPOSALS_KEY });
      setEditing(false);
      announce(t('proposals.saved'));
    },
    onError: async (error) => {
      if (isApiProblem(error) && error.status === 412) {
        setStale(true);
        await queryClient.invalidateQueries({ queryKey: proposalKeys.detail(proposal.id) });
      }
    },
  });

  // Teams of the years on offer plus the proposal's own (it may belong to a year without a team).
  const teamOptions = useMemo(() => {
    const list = teams.data ?? [];
    if (list.some((team) => team.fiscal_year === proposal.fiscal_year)) return list;
    return [
      ...list,
      {
        id: 0,
        fiscal_year: proposal.fiscal_year,
        fiscal_year_label: String(proposal.fiscal_year),
        name: '',
        themes: [proposal.theme],
        members: [],
        headcount: 0,
        version: 0,
      },
    ];
  }, [teams.data, proposal.fiscal_year, proposal.theme]);

  const period = proposal.outcome_period;
  const rows: [string, string | null | undefined][] = [
    [t('proposals.fields.number'), proposal.number],
    [t('proposals.fields.fiscalYear'), teams.data?.find((x) => x.fiscal_year === proposal.fiscal_year)?.fiscal_year_label ?? String(proposal.fiscal_year)],
    [t('proposals.fields.theme'), proposal.theme],
    [t('proposals.fields.scene'), proposal.scene],
    [t('proposals.fields.viewpoint'), proposal.viewpoint],
    [t('proposals.fields.painPoint'), proposal.pain_point],
    [t('proposals.fields.proposedSolution'), proposal.proposed_solution],
    [t('proposals.fields.implementationStatus'), proposal.implementation_status ? statusLabel(t, proposal.implementation_status) : null],
    [
      t('proposals.fields.outcomePeriod'),
      period ? (period.structured && period.display !== period.original ? `${period.display}（${period.original}）` : period.original) : null,
    ],
    [t('proposals.fields.outcomeText'), proposal.outcome_text],
  ];

  return (
    <section className="card pp-section" aria-labelledby="pp-overview-heading">
      <div className="pp-title-row">
        <h2 id="pp-overview-heading">{t('proposals.overviewHeading')}</h2>
        {mayEdit && !editing && (
          <button ref={editButton} type="button" className="button button--secondary" onClick={() => setEditing(true)}>
            {t('proposals.edit')}
          </button>
        )}
      </div>
      <dl className="summary-list">
        <div>
          <dt>{t('proposals.currentStage')}</dt>
          <dd>
            {proposal.stage ? <StageBadge stage={proposal.stage} /> : t('proposals.notPresentedYet')}
          </dd>
        </div>
        {!editing &&
          rows.map(([label, value]) => (
            <div key={label}>
              <dt>{label}</dt>
              <dd className="pp-pre">{value || t('proposals.none')}</dd>
            </div>
          ))}
      </dl>
      <p className="pp-muted-small">
        {formatDateTime(proposal.updated_at, language)} ・ {t('proposals.version', { version: proposal.version })}
      </p>
      {editing && (
        <div className="pp-subform">
          <h3 id={headingId}>{t('proposals.editHeading')}</h3>
          <ProposalForm
            teams={teamOptions}
            initial={initial}
            labelledBy={headingId}
            submitLabel={t('proposals.save')}
            submittingLabel={t('proposals.saving')}
            {...savingWith(save)}
            problemSummary={stale ? t('proposals.stale') : undefined}
            cancel={
              <button
                type="button"
                className="button button--secondary"
                onClick={() => {
                  save.reset();
                  setEditing(false);
                }}
              >
                {t('proposals.cancel')}
              </button>
            }
          />
        </div>
      )}
    </section>
  );
}

function Stepper({ assignment }: { assignment: AssignmentOut }) {
  const { t } = useTranslation();
  const stage = assignment.stage ?? null;
  return (
    <ol className="pp-stepper" aria-label={t('proposals.stepperLabel', { section: assignment.section_name })}>
      {STAGES.map((n) => {
        const current = n === stage;
        const done = stage !== null && stage !== 4 && n < stage;
        return (
          <li
            key={n}
            className={`pp-step${current ? ' pp-step--current' : ''}${done ? ' pp-step--done' : ''}${n === 4 ? ' pp-step--alt' : ''}`}
            aria-current={current ? 'step' : undefined}
          >
            <span>{stageLabel(t, n)}</span>
            {current && <span className="visually-hidden">{t('proposals.stepCurrent')}</span>}
            {done && <span className="visually-hidden">{t('proposals.stepDone')}</span>}
            {n === 3 && current && assignment.decision && (
              <span className="pp-step__decision">
                {t('proposals.decisionLabel', { decision: decisionLabel(t, assignment.decision) })}
              </span>
            )}
          </li>
        );
      })}
    </ol>
  );
}

function AssignmentCard({
  proposal,
  assignment,
  announce,
}: {
  proposal: ProposalOut;
  assignment: AssignmentOut;
  announce: Announce;
}) {
  return (
    <article className="pp-assignment" aria-labelledby={`pp-assignment-${assignment.id}`}>
      <h3 id={`pp-assignment-${assignment.id}`}>
        {assignment.section_name}
        <span className="pp-muted-small">（{assignment.bureau_name}）</span>
      </h3>
      <Stepper assignment={assignment} />
      {mayMoveStage(assignment) && assignment.allowed_next.length > 0 && (
        <TransitionForm proposal={proposal} assignment={assignment} announce={announce} />
      )}
    </article>
  );
}

const TRANSITION_FIELDS = ['to_stage', 'decision', 'effective_on', 'note'] as const;

function TransitionForm({
  proposal,
  assignment,
  announce,
}: {
  proposal: ProposalOut;
  assignment: AssignmentOut;
  announce: Announce;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const queryClient = useQueryClient();
  const id = useId();
  const today = todayInTokyo();
  const [chosenStage, setToStage] = useState<number | null>(null);
  // After a refresh (a 409, someone else's move) the chosen stage may no longer be on offer.
  const toStage = chosenStage !== null && assignment.allowed_next.includes(chosenStage) ? chosenStage : null;
  const [effectiveOn, setEffectiveOn] = useState(today);
  const [decision, setDecision] = useState<Decision | ''>('');
  const [note, setNote] = useState('');
  const section = assignment.section_name;


  const move = useMutation({
    mutationFn: async () =>
      dataOf(
        await api.client.POST('/api/v1/proposals/{id}/assignments/{assignment_id}/transitions', {
          params: { path: { id: proposal.id, assignment_id: assignment.id } },
          body: {
            to_stage: toStage ?? 0,
            effective_on: effectiveOn,
            decision: toStage === 3 && decision ? decision : null,
            note: note.trim() === '' ? null : note,
          },
        }),
      ),
    onSuccess: async (updated) => {
      const stage = toStage;
      queryClient.setQueryData(proposalKeys.detail(updated.id), updated);
      await queryClient.invalidateQueries({ queryKey: PROPOSALS_KEY });
      setToStage(null);
      setDecision('');
      setNote('');
      announce(t('proposals.moved', { section, stage: stageLabel(t, stage) }));
    },
    onError: async (error) => {
      if (isApiProblem(error) && (error.status === 409 || error.status === 403)) {
        await queryClient.invalidateQueries({ queryKey: proposalKeys.detail(proposal.id) });
      }
    },
  });

  const problem: ApiProblem | null = move.error ? toApiProblem(move.error) : null;
  const summary =
    problem?.status === 409
      ? assignment.allowed_next.length > 0
        ? t('proposals.moveConflict', { stages: assignment.allowed_next.map((n) => stageLabel(t, n)).join('、') })
        : t('proposals.moveConflictNone')
      : problem?.status === 403
        ? t('proposals.moveForbidden')
        : undefined;
  const headingId = `${id}-heading`;
  return (
    <FormFrame
      className="form pp-subform"
      labelledBy={headingId}
      header={<h4 id={headingId}>{t('proposals.moveHeading', { section })}</h4>}
      fields={TRANSITION_FIELDS}
      problem={problem}
      problemSummary={summary}
      submit={() => move.mutate()}
      pending={move.isPending}
      submitLabel={t('proposals.moveSubmit')}
      submittingLabel={t('proposals.moving')}
    >
      {({ error }) => (
        <>
          <RadioGroup
            id={`${id}-stage`}
            legend={t('proposals.moveTo')}
            required
            requiredText={t('proposals.required')}
            error={error('to_stage')}
            value={toStage}
            onChange={setToStage}
            options={assignment.allowed_next.map((n) => [n, stageLabel(t, n)] as const)}
          />
          {toStage === 3 && (
            <RadioGroup
              id={`${id}-decision`}
              legend={t('proposals.decision')}
              required
              requiredText={t('proposals.required')}
              error={error('decision')}
              value={decision}
              onChange={setDecision}
              options={(['continue', 'end'] as const).map((value) => [value, decisionLabel(t, value)] as const)}
            />
          )}
          <TextInput
            id={`${id}-effective-on`}
            label={t('proposals.effectiveOn')}
            required
            requiredText={t('proposals.required')}
            hint={t('proposals.effectiveOnHint')}
            error={error('effective_on')}
            type="date"
            width="short"
            input={{ max: today }}
            value={effectiveOn}
            onChange={setEffectiveOn}
          />
          <NoteInput id={`${id}-note`} error={error('note')} value={note} onChange={setNote} />
        </>
      )}
    </FormFrame>
  );
}

/** The note of a stage change or of a new assignment. */
function NoteInput({ id, error, value, onChange }: { id: string; error: string | undefined; value: string; onChange: (value: string) => void }) {
  const { t } = useTranslation();
  return <TextInput id={id} label={t('proposals.note')} error={error} multiline rows={2} value={value} onChange={onChange} />;
}

const ASSIGNMENT_FIELDS = ['section_id', 'stage', 'effective_on', 'note'] as const;

function AddAssignmentForm({ proposal, announce }: { proposal: ProposalOut; announce: Announce }) {
  const { t } = useTranslation();
  const api = useApi();
  const queryClient = useQueryClient();
  const sections = useSectionOptions();
  const id = useId();
  const today = todayInTokyo();
  const [sectionId, setSectionId] = useState('');
  const [stage, setStage] = useState<1 | 4>(1);
  const [effectiveOn, setEffectiveOn] = useState(today);
  const [note, setNote] = useState('');
  const assigned = new Set(proposal.assignments.map((a) => a.section_id));

  const add = useMutation({
    mutationFn: async () =>
      dataOf(
        await api.client.POST('/api/v1/proposals/{id}/assignments', {
          params: { path: { id: proposal.id } },
          body: {
            section_id: Number(sectionId),
            stage,
            effective_on: effectiveOn || null,
            note: note.trim() === '' ? null : note,
          },
        }),
      ),
    onSuccess: async () => {
      const name =
        sections.data?.flatMap((g) => g.sections).find((s) => String(s.id) === sectionId)?.name ?? sectionId;
      await queryClient.invalidateQueries({ queryKey: PROPOSALS_KEY });
      setSectionId('');
      setStage(1);
      setNote('');
      announce(t('proposals.assignmentAdded', { section: name }));
    },
  });

  const problem = add.error ? toApiProblem(add.error) : null;
  const override: ProblemOverride<(typeof ASSIGNMENT_FIELDS)[number]> = (p) => {
    if (p.status === 409) return { field: 'section_id', message: t('proposals.assignmentDuplicate') };
    // A missing section is reported on the body's section_id member.
    if (p.status === 422 && !sectionId && !p.fieldErrors.some((e) => e.pointer === '/section_id')) {
      return { field: 'section_id', message: t('fieldError.required') };
    }
    return undefined;
  };

  const headingId = `${id}-heading`;
  return (
    <FormFrame
      className="form pp-subform"
      labelledBy={headingId}
      header={<h3 id={headingId}>{t('proposals.addAssignmentHeading')}</h3>}
      fields={ASSIGNMENT_FIELDS}
      problem={problem}
      problemSummary={override}
      submit={() => add.mutate()}
      pending={add.isPending}
      submitLabel={t('proposals.addAssignmentSubmit')}
      submittingLabel={t('proposals.saving')}
    >
      {({ error }) => (
        <>
          <SelectInput
            id={`${id}-section`}
            label={t('proposals.addAssignmentSection')}
            required
            requiredText={t('proposals.required')}
            error={error('section_id')}
            value={sectionId}
            onChange={setSectionId}
            blank={t('proposals.chooseSection')}
          >
            {(sections.data ?? []).map((group) => (
              <optgroup key={group.bureau.id} label={group.bureau.name}>
                {group.sections
                  .filter((s) => !assigned.has(s.id))
                  .map((s) => (
                    <option key={s.id} value={s.id}>
                      {s.name}
                    </option>
                  ))}
              </optgroup>
            ))}
          </SelectInput>
          <RadioGroup
            id={`${id}-stage`}
            legend={t('proposals.addAssignmentStage')}
            error={error('stage')}
            value={stage}
            onChange={setStage}
            options={([1, 4] as const).map((n) => [n, stageLabel(t, n)] as const)}
          />
          <TextInput
            id={`${id}-effective-on`}
            label={t('proposals.presentedOn')}
            hint={t('proposals.effectiveOnHint')}
            error={error('effective_on')}
            type="date"
            width="short"
            input={{ max: today }}
            value={effectiveOn}
            onChange={setEffectiveOn}
          />
          <NoteInput id={`${id}-note`} error={error('note')} value={note} onChange={setNote} />
        </>
      )}
    </FormFrame>
  );
}

const CONSULTATION_FIELDS = ['held_on', 'participants', 'note'] as const;

function Consultations({
  proposalId,
  mayAdd,
  language,
  announce,
}: {
  proposalId: number;
  mayAdd: boolean;
  language: string;
  announce: Announce;
}) {
  const { t } = useTranslation();
  const api = useApi();
  const queryClient = useQueryClient();
  const consultations = useConsultations(proposalId);
  const id = useId();
  const today = todayInTokyo();
  const [heldOn, setHeldOn] = useState(today);
  const [participants, setParticipants] = useState('');
  const [note, setNote] = useState('');

  const add = useMutation({
    mutationFn: async () =>
      dataOf(
        await api.client.POST('/api/v1/proposals/{id}/consultations', {
          params: { path: { id: proposalId } },
          body: { held_on: heldOn, participants, note },
        }),
      ),
    onSuccess: async (created) => {
      await queryClient.invalidateQueries({ queryKey: PROPOSALS_KEY });
      setParticipants('');
      setNote('');
      announce(t('proposals.consultationAdded', { date: formatDate(created.held_on, language) }));
    },
  });
  const problem = add.error ? toApiProblem(add.error) : null;

  const required = t('proposals.required');
  return (
    <section className="card pp-section" aria-labelledby="pp-consultations-heading">
      <h2 id="pp-consultations-heading">{t('proposals.consultationsHeading')}</h2>
      {consultations.isPending && <p role="status">{t('proposals.loading')}</p>}
      {consultations.isError && (
        <LoadProblem error={consultations.error} />
      )}
      {consultations.data && consultations.data.length === 0 && <p>{t('proposals.noConsultations')}</p>}
      {consultations.data && consultations.data.length > 0 && (
        <ul className="pp-plain-list pp-entries">
          {consultations.data.map((c) => (
            <li key={c.id} className="pp-entry">
              <p className="pp-entry__title">
                <strong>{formatDate(c.held_on, language)}</strong>
              </p>
              <p>
                {t('proposals.participants')}: {c.participants}
              </p>
              <p className="pp-pre">{c.note}</p>
              <p className="pp-muted-small">
                {t('proposals.recordedBy', { name: c.recorded_by, at: formatDateTime(c.recorded_at, language) })}
              </p>
            </li>
          ))}
        </ul>
      )}
      {mayAdd && (
        <FormFrame
          className="form pp-subform"
          labelledBy={`${id}-heading`}
          header={<h3 id={`${id}-heading`}>{t('proposals.addConsultationHeading')}</h3>}
          fields={CONSULTATION_FIELDS}
          problem={problem}
          submit={() => add.mutate()}
          pending={add.isPending}
          submitLabel={t('proposals.addConsultationSubmit')}
          submittingLabel={t('proposals.saving')}
        >
          {({ error }) => (
            <>
              <TextInput
                id={`${id}-held-on`}
                label={t('proposals.heldOn')}
                required
                requiredText={required}
                error={error('held_on')}
                type="date"
                width="short"
                input={{ max: today }}
                value={heldOn}
                onChange={setHeldOn}
              />
              <TextInput
                id={`${id}-participants`}
                label={t('proposals.participants')}
                required
                requiredText={required}
                hint={t('proposals.participantsHint')}
                error={error('participants')}
                value={participants}
                onChange={setParticipants}
              />
              <TextInput
                id={`${id}-note`}
                label={t('proposals.consultationNote')}
                required
                requiredText={required}
                error={error('note')}
                multiline
                rows={3}
                value={note}
                onChange={setNote}
              />
            </>
          )}
        </FormFrame>
      )}
    </section>
  );
}

function History({ proposalId, language }: { proposalId: number; language: string }) {
  const { t } = useTranslation();
  const history = useHistory(proposalId);
  const kindLabel = (kind: string) =>
    kind === 'stage' || kind === 'consultation' || kind === 'edit' ? t(`proposals.historyKinds.${kind}`) : kind;
  return (
    <section className="card pp-section" aria-labelledby="pp-history-heading">
      <h2 id="pp-history-heading">{t('proposals.historyHeading')}</h2>
      {history.isPending && <p role="status">{t('proposals.loading')}</p>}
      {history.isError && (
        <LoadProblem error={history.error} />
      )}
      {history.data && history.data.length === 0 && <p>{t('proposals.noHistory')}</p>}
      {history.data && history.data.length > 0 && (
        <ol className="pp-timeline" data-testid="proposal-history">
          {history.data.map((entry, index) => (
            <li key={`${entry.recorded_at}-${index}`} className="pp-timeline__item">
              <p className="pp-entry__title">
                <strong>{formatDate(entry.date, language)}</strong> {kindLabel(entry.kind)}
                {entry.section_name && <> ・ {entry.section_name}</>}
              </p>
              {entry.kind === 'stage' && entry.stage != null && (
                <p>
                  <StageBadge stage={entry.stage} />
                  {entry.decision && (
                    <> {t('proposals.decisionLabel', { decision: decisionLabel(t, entry.decision) })}</>
                  )}
                </p>
              )}
              {entry.text && <p className="pp-pre">{entry.text}</p>}
              <p className="pp-muted-small">
                {t('proposals.historyActor', { actor: entry.actor, at: formatDateTime(entry.recorded_at, language) })}
              </p>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
