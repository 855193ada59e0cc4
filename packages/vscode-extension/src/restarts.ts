/**
 * When the sidecar's connection closes (it crashed, or exited because it could no longer read its
 * input), vscode-languageclient asks the error handler what to do. Volt's answer: start it again,
 * up to `max` times within `windowMs`; past that, stop and say so (the user restarts it with
 * "Volt: Restart Sidecar" once the output channel shows why). A read or write error on a live
 * connection is not fatal by itself: the sidecar decides, by exiting, that its stream is broken.
 *
 * vscode-languageclient's enums are passed in, so this module loads without the editor.
 */
import type { CloseAction, CloseHandlerResult, ErrorAction, ErrorHandler, ErrorHandlerResult } from 'vscode-languageclient/node';

export interface RestartLimits {
  max: number;
  windowMs: number;
}

export const SIDECAR_RESTARTS: RestartLimits = { max: 3, windowMs: 180_000 };

export interface Actions {
  continue: ErrorAction;
  restart: CloseAction;
  doNotRestart: CloseAction;
}

export function sidecarErrorHandler(
  actions: Actions,
  onGiveUp: (message: string) => void,
  limits: RestartLimits = SIDECAR_RESTARTS,
  now: () => number = Date.now,
): ErrorHandler {
  let exits: number[] = [];
  return {
    error: (): ErrorHandlerResult => ({ action: actions.continue }),
    closed: (): CloseHandlerResult => {
      const t = now();
      exits = [...exits.filter((e) => t - e < limits.windowMs), t];
      if (exits.length <= limits.max) {
        return { action: actions.restart, message: `The Volt sidecar exited; starting it again (${exits.length} of ${limits.max}).` };
      }
      const minutes = Math.round(limits.windowMs / 60_000);
      const message = `The Volt sidecar exited ${exits.length} times in ${minutes} minutes; see the Volt output channel, then run "Volt: Restart Sidecar".`;
      onGiveUp(message);
      return { action: actions.doNotRestart, message };
    },
  };
}
