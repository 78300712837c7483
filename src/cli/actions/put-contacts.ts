/** put-contacts: alternate contacts (billing, operations, security) of every account, from the DSL. */
export { putContacts as run } from './account-settings.js';
