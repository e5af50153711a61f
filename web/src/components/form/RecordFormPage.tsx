// The page around a record's form (new and edit): the way back, the heading that names the form,
// what is still loading or failed to load, and why the form is not offered.
import { useId, useMemo, type ReactNode } from 'react';
import { Link } from 'react-router';
import { LoadProblem } from '../records/LoadProblem';

/** What the page needs to know of each query the form waits for. */
export interface Loading {
  isPending: boolean;
  isError: boolean;
  error: unknown;
}

/**
 * Shows the form (`children`, given the heading's id to name it) once every query in `loads` has
 * answered; until then a status line, and for each failed query why (`notFound` for a 404). When
 * `denied` is given, the person may not use the form and reads that instead.
 */
export function RecordFormPage({
  title,
  back,
  className,
  loads = [],
  loadingLabel,
  notFound,
  denied,
  lead,
  children,
}: {
  title: string;
  back: { to: string; label: string };
  /** The feature's page class, beside the shared narrow-page classes. */
  className?: string;
  loads?: readonly Loading[];
  loadingLabel?: string;
  notFound?: string;
  /** Why the form is not offered (no right to create or edit); undefined when it is. */
  denied?: string | undefined;
  /** The line under the heading (an introduction, or the record's name). */
  lead?: ReactNode;
  children: (headingId: string) => ReactNode;
}) {
  const headingId = useId();
  const failed = loads.filter((load) => load.isError);
  const waiting = failed.length === 0 && loads.some((load) => load.isPending);
  return (
    <div className={['page pp-page pp-narrow', className].filter(Boolean).join(' ')}>
      <p>
        <Link to={back.to}>{back.label}</Link>
      </p>
      <h1 tabIndex={-1} id={headingId}>
        {title}
      </h1>
      {denied !== undefined ? (
        <div className="notice notice--info">{denied}</div>
      ) : (
        <>
          {lead !== undefined && <p className="lead">{lead}</p>}
          {waiting && <p role="status">{loadingLabel}</p>}
          {failed.map((load, index) => (
            <LoadProblem key={index} error={load.error} notFound={notFound} />
          ))}
          {failed.length === 0 && !waiting && children(headingId)}
        </>
      )}
    </div>
  );
}

/**
 * An edit form's starting values, made again only when the record itself changed (reloaded after a
 * 412), not whenever the cached record is refetched unchanged.
 */
export function useValuesOf<R extends { version: number }, V>(record: R, valuesOf: (record: R) => V): V {
  const version = record.version;
  // eslint-disable-next-line react-hooks/exhaustive-deps -- keyed on the version on purpose (see above)
  return useMemo(() => valuesOf(record), [version]);
}
