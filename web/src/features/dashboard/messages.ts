import { i18n } from '../../lib/i18n';
import { chartsJa } from '../../lib/i18n/charts.ja';
import { chartsEn } from '../../lib/i18n/charts.en';

/**
 * The dashboard panels' messages come with the dashboard's chunk; importing this module adds them
 * to i18next (both languages, so switching language needs nothing more).
 */
export function registerDashboardMessages(): void {
  i18n.addResourceBundle('ja', 'translation', chartsJa, true, false);
  i18n.addResourceBundle('en', 'translation', chartsEn, true, false);
}

registerDashboardMessages();
