// `npm run admin:create -- <email>`: makes an existing user a platform admin (the first admin;
// later ones are granted on /admin). The person signs up in the web app first.
import { connect, resolveDatabaseUrl } from '../db/index.ts';
import { normaliseEmail, setPlatformRole } from '../web/app/auth.server.ts';

const email = normaliseEmail(process.argv.slice(2).find((a) => a !== '--') ?? '');
if (!email) {
  console.error('Usage: npm run admin:create -- <email>   (the user must have signed up already)');
  process.exit(2);
}

const sql = connect(await resolveDatabaseUrl(), { max: 1, applicationName: 'windwalker-admin-create' });
let exitCode = 0;
try {
  const [user] = await sql<{ id: string; email: string }[]>`select id, email from users where lower(email) = ${email}`;
  if (!user) {
    console.error(`No user with the email ${email}. Sign up in the web app first (/signup), then run this command again.`);
    exitCode = 1;
  } else {
    const result = await setPlatformRole(sql, { userId: user.id, role: 'admin', granted: true, by: null });
    if (!result.ok) throw new Error(result.message);
    console.log(result.changed ? `${user.email} is now a platform admin (/admin).` : `${user.email} was already a platform admin.`);
  }
} catch (error) {
  console.error(`admin:create failed: ${(error as Error).message}`);
  exitCode = 1;
} finally {
  await sql.end({ timeout: 5 });
}
process.exit(exitCode);
