// What a state observation means for notifications. A state change is an alert (or a recovery notice),
// once; staying the same is nothing (reminders are a matter of time, see reminders.ts). Pure.

export interface AlertState {
  bad: boolean;
}

export type Transition = 'alert' | 'recovery' | null;

export function transition(previous: AlertState | null, nowBad: boolean): Transition {
  const wasBad = previous?.bad ?? false;
  if (nowBad && !wasBad) return 'alert';
  if (!nowBad && wasBad) return 'recovery';
  return null;
}
