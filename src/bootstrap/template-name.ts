/**
 * The bootstrap template's file under templates/: its own module, so render-templates and
 * validate skip it without loading bootstrap's renderer (its topology, CI roles and
 * schemas cost 40–90 ms of a validate run).
 */
export const BOOTSTRAP_TEMPLATE = 'bootstrap.yml.njk';
