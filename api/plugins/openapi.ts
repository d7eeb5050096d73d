/** The OpenAPI document, generated from the route schemas: UI at /docs, JSON at /docs/json. */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';

export const openApi = fp(async (app) => {
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Service Clock API',
        version: '0.1.0',
        description:
          "Takes a cable-TV operator's customer requests and keeps their time limits: every request is a durable " +
          'workflow with a timer per limit (rules R1–R34, described in the project docs: docs/rules.md).',
      },
      components: {
        securitySchemes: {
          apiKey: { type: 'http', scheme: 'bearer', description: 'A staff member\'s API key: Authorization: Bearer <key>' },
        },
      },
      security: [{ apiKey: [] }],
      tags: [
        { name: 'requests', description: 'Intake, lists, live status and timelines' },
        { name: 'actions', description: 'What technicians, agents and managers record on a request' },
        { name: 'organisation', description: 'Company, branches, regions, staff and their history (admins write)' },
        { name: 'roster', description: 'Who is on duty, per region and shift, with backups' },
        { name: 'accountability', description: 'Breach records, statements and supervisors\' decisions' },
        { name: 'operations', description: 'Health' },
      ],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });
});
