// Tests play both sides of a decision: the API's client signs who acts with a key made for the test
// run, and the test's worker accepts only that key, as production's do (temporal/actorClaims.ts).
import { Client, type ClientOptions } from '@temporalio/client';
import { actorSigningInterceptor, generateActorKeys } from '../../temporal/actorClaims';

export const testActorKeys = generateActorKeys();

/** A client whose decisions carry the test run's signature, as the API's do. */
export function signingClient(options: ClientOptions): Client {
  return new Client({
    ...options,
    interceptors: { ...options.interceptors, workflow: [actorSigningInterceptor(testActorKeys)] },
  });
}
