/** Accountability rules (R20–R25) as data. */

/** R25: how long the responsible person has to file a statement before a decision may be taken without it. */
export const STATEMENT_WINDOW_HOURS = 72;
/** R23: "held to account more than twice within a year": the third record in twelve months is aggravated (a policy setting). */
export const AGGRAVATED_FROM_RECORD = 3;
/** R22 by gravity, and exemption (R24). */
export const OUTCOMES = ['warning', 'best_in_class_revoked', 'criticism_notice', 'exempt'] as const;
export type Outcome = (typeof OUTCOMES)[number];
/** R24: facts that mitigate. */
export const MITIGATING_FACTS = ['apology_accepted', 'harm_prevented', 'loss_recovered'] as const;
