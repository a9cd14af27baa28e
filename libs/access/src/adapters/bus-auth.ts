import { Injectable } from '@nestjs/common';
import { Bus } from '@mail/bus';
import { VerifyLogin } from '@mail/contracts';
import { AuthPort, type LoginAttempt, type LoginResult } from '../ports/auth.port.js';

/** AuthPort over the bus (the auth service verifies, throttles and locks out). */
@Injectable()
export class BusAuth extends AuthPort {
  constructor(private readonly bus: Bus) {
    super();
  }

  verifyLogin(attempt: LoginAttempt): Promise<LoginResult> {
    return this.bus.request(VerifyLogin, attempt);
  }
}
