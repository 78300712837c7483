/** The largest TemplateBody CloudFormation takes. Its own module: validate checks it without loading the requests' schemas. */
export const MAX_TEMPLATE_BODY = 51_200;
