// The exit codes of every command (docs/cli.md, "Exit codes"). One rule, as Terraform has it, so that a
// script can branch on them: 0 success, 1 any error (a usage error, an invalid configuration, a refusal, a
// failed run), and 2 only where --detailed-exitcode asks for it: there are changes (plan) or changes were
// held back (apply). A usage error is not 2: `plan --detailed-exitcode` with a mistyped flag must not read
// as "there are changes" in CI.
export const EXIT_OK = 0;
export const EXIT_ERROR = 1;
export const EXIT_CHANGES = 2;

export type ErrorExitCode = typeof EXIT_ERROR;
