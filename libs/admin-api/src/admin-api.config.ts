export interface AdminApiConfig {
  /** the bearer token every /api/v1 request must carry */
  token: string;
}

export const ADMIN_API_CONFIG = Symbol('ADMIN_API_CONFIG');
