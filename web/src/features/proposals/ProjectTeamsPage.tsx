import { useId } from 'react';
import { Link } from 'react-router';
import { useTranslation } from 'react-i18next';
import { usePageTitle } from '../../lib/usePageTitle';
import { useProjectTeams, type ProjectTeamOut } from './api';
import './proposals.css';
import { LoadProblem } from '../../components/records/LoadProblem';

type Member = ProjectTeamOut['members'][number];

/** The members of one theme; `theme` is undefined for those without one (テーマ未設定). */
interface MemberGroup {
  theme: string | undefined;
  members: Member[];
}

/**
 * The team's members by theme: the team's themes in their order, then any other theme a member
 * names, then the members without a theme. Themes nobody belongs to are left out.
 */
export function groupMembersByTheme(team: ProjectTeamOut): MemberGroup[] {
  const byTheme = new Map<string, Member[]>(team.themes.map((theme) => [theme, []]));
  const withoutTheme: Member[] = [];
  for (const member of team.members) {
    const theme = member.theme?.trim();
    if (!theme) {
      withoutTheme.push(member);
      continue;
    }
    const group = byTheme.get(theme);
    if (group) group.push(member);
    else byTheme.set(theme, [member]);
  }
  const groups: MemberGroup[] = [...byTheme]
    .filter(([, members]) => members.length > 0)
    .map(([theme, members]) => ({ theme, members }));
  if (withoutTheme.length > 0) groups.push({ theme: undefined, members: withoutTheme });
  return groups;
}

/** 「令和7年度 …」: the year label, unless the team's name already starts with it. */
export function teamHeading(team: ProjectTeamOut): string {
  return team.name.startsWith(team.fiscal_year_label) ? team.name : `${team.fiscal_year_label} ${team.name}`;
}

/** The proposal list filtered to the team's year and one theme (the keys ProposalListPage reads). */
export function proposalListLink(team: ProjectTeamOut, theme: string): string {
  const query = new URLSearchParams({ fiscal_year: String(team.fiscal_year), theme });
  return `/proposals?${query.toString()}`;
}

export function ProjectTeamsPage() {
  const { t } = useTranslation();
  usePageTitle(t('projectTeams.title'));
  const teams = useProjectTeams();

  return (
    <div className="page pp-page">
      <h1 tabIndex={-1}>{t('projectTeams.title')}</h1>
      <p className="lead">{t('projectTeams.intro')}</p>

      {teams.isPending && <p role="status">{t('projectTeams.loading')}</p>}
      {teams.isError && (
        <LoadProblem error={teams.error} />
      )}
      {teams.data && teams.data.length === 0 && <div className="notice notice--info">{t('projectTeams.noTeams')}</div>}

      {teams.data?.map((team) => <TeamSection key={team.id} team={team} />)}
    </div>
  );
}

function TeamSection({ team }: { team: ProjectTeamOut }) {
  const { t } = useTranslation();
  const ids = useId();
  const groups = groupMembersByTheme(team);
  const named = team.members.length;

  return (
    <section className="card pp-section" aria-labelledby={`${ids}-heading`} data-testid={`team-${team.fiscal_year}`}>
      <h2 id={`${ids}-heading`}>{teamHeading(team)}</h2>
      <dl className="summary-list">
        <div>
          <dt>{t('projectTeams.headcount')}</dt>
          <dd>{t('projectTeams.headcountValue', { count: team.headcount })}</dd>
        </div>
        <div>
          <dt>{t('projectTeams.themes')}</dt>
          <dd>
            {team.themes.length === 0 ? (
              t('projectTeams.noThemes')
            ) : (
              <ul className="pp-plain-list">
                {team.themes.map((theme) => (
                  <li key={theme}>
                    <Link
                      to={proposalListLink(team, theme)}
                      aria-label={t('projectTeams.themeLink', { theme, year: team.fiscal_year_label })}
                    >
                      {theme}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
      </dl>

      <h3 className="pp-h2-small">{t('projectTeams.membersHeading')}</h3>
      {named === 0 && team.headcount > 0 && (
        <p className="notice notice--info">{t('projectTeams.unnamedMembers', { count: team.headcount })}</p>
      )}
      {named === 0 && team.headcount <= 0 && <p>{t('projectTeams.noMembers')}</p>}
      {named > 0 && named < team.headcount && (
        <p className="pp-muted-small">{t('projectTeams.partlyNamed', { count: named, headcount: team.headcount })}</p>
      )}
      {groups.map((group) => {
        const theme = group.theme ?? t('projectTeams.noTheme');
        return (
          <div className="pp-table-wrap pp-team-members" key={group.theme ?? ''}>
            <table className="pp-table">
              <caption>{t('projectTeams.membersCaption', { theme, count: group.members.length })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('projectTeams.name')}</th>
                  <th scope="col">{t('projectTeams.bureau')}</th>
                </tr>
              </thead>
              <tbody>
                {group.members.map((member, index) => (
                  <tr key={`${member.name}-${index}`}>
                    <td>{member.name}</td>
                    <td>{member.bureau?.trim() || t('projectTeams.noBureau')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      })}
    </section>
  );
}
