/** One section of the console: a tab that renders itself into the view from the API. */
import type { Api } from './api.js';

export interface ViewContext {
  /** Runs an action, showing its refusal (coded error) in the console's alert. */
  run: (f: () => Promise<unknown>) => void;
}

export interface View {
  id: string;
  label: string;
  render(root: HTMLElement, api: Api, ctx: ViewContext): Promise<void>;
}
