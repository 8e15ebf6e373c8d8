// Home: who is signed in, and (with stats:read) the tenant's dashboard.
import { useI18n } from '../i18n/i18n.tsx';
import { useSession } from '../session.tsx';

export default function HomePage() {
  const { t } = useI18n();
  const { caller, email } = useSession();
  return (
    <section>
      <h1>{t('home.heading')}</h1>
      <p>{t('home.welcome', { email, role: caller.role ? t(`role.${caller.role}`) : caller.kind })}</p>
    </section>
  );
}
