import { Injectable } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { VERIFY_LOGIN_TIMEOUT_MS, VerifyLogin } from '@mail/contracts';
import { AuthPort, type LoginAttempt, type LoginResult } from '../ports/auth.port.js';

/** AuthPort over the bus (the auth service verifies, throttles and locks out). */
@Injectable()
export class BusAuth extends AuthPort {
  constructor(private readonly bus: Bus) {
    super();
  }

  verifyLogin(attempt: LoginAttempt): Promise<LoginResult> {
    // the directory may hold a guesser's attempt for its penalty (up to 16 s) before it answers
    return this.bus.request(VerifyLogin, attempt, { timeoutMs: VERIFY_LOGIN_TIMEOUT_MS });
  }
}
