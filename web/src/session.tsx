// Who is signed in, which schools they see, and the school the pages are looking at.
import { createContext, useContext } from 'react';
import type { Me, SchoolRef, SessionUser } from './types';

export interface Session {
  user: SessionUser;
  schools: SchoolRef[];
  schoolId: string | null;
  setSchoolId(id: string): void;
  refresh(): Promise<Me | null>;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside the signed-in app');
  return s;
}
