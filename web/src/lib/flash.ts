// The one-line message a page hands the next one across a redirect ("saved", "deleted"): carried
// in the router's location state, so a reload or a shared link never repeats it.
import { useLocation } from 'react-router';

/** The router state a redirect carries its message in. */
export interface FlashState {
  flash?: string;
}

/** The state to navigate with so the next page announces `message`. */
export function flashState(message: string): FlashState {
  return { flash: message };
}

/** The message the previous page left in `state`, or '' when there is none. */
export function flashOf(state: unknown): string {
  const flash = (state as FlashState | null | undefined)?.flash;
  return typeof flash === 'string' ? flash : '';
}

/** The message the page that redirected here left for this one. */
export function useFlash(): string {
  return flashOf(useLocation().state);
}
