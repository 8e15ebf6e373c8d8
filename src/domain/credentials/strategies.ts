// The ways to sign in this server offers, registered in one place (ADR 0019). The composition root
// (server.ts) builds them once with their dependencies and hands them to the surfaces; each method's
// routes call its strategy through the use cases of domain/self-service. A new method adds its
// folder under domain/credentials/, one entry in each list below, and its routes.
import type { AuthenticationMethod } from './authentication.ts';
import type { PasswordFirstFactor, SignInDeps } from './password/password-sign-in.ts';
import { createPasswordFirstFactor, PASSWORD } from './password/password-sign-in.ts';

/** The first factors, by method id. */
export type Strategies = { readonly password: PasswordFirstFactor };

export function createStrategies(deps: { readonly password: SignInDeps }): Strategies {
  return { password: createPasswordFirstFactor(deps.password) };
}

/** What each registered strategy can complete a sign-in with (the type checker keeps it beside Strategies). */
const METHODS = { password: PASSWORD } as const satisfies Record<keyof Strategies, AuthenticationMethod>;

/**
 * The authentication context classes a sign-in can reach here: discovery's `acr_values_supported`,
 * and what an essential `acr` request may ask for. Never more than the registered methods reach.
 */
export const REACHABLE_ACR_VALUES: readonly string[] = [...new Set(Object.values(METHODS).map((method) => method.acr))];
