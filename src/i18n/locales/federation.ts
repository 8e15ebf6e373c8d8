// The texts of social and enterprise sign-in (ADR 0032) in every language but English, kept
// together so the feature's words are reviewed in one place; each locale file spreads its own.
import type { Catalogue } from '../en.ts';
import type { federation as english } from '../en/federation.ts';

type FederationTexts = { readonly [K in keyof typeof english]: Catalogue[K] };

export const federationDe: FederationTexts = {
  'page.federation.continue_with': 'Weiter mit {name}',
  'page.federation.or': 'oder',
  'page.federation.link_title': 'Konto verbinden',
  'page.federation.link_heading': '{name} mit Ihrem Konto verbinden',
  'page.federation.link_intro': 'Um {name} hier zu nutzen, melden Sie sich einmal mit Ihrer E-Mail-Adresse und Ihrem Passwort an. Neu hier? Erstellen Sie zuerst ein Konto und verbinden Sie {name} dann auf Ihrer Kontoseite.',
  'page.federation.link_submit': 'Anmelden und verbinden',
  'page.federation.back': 'Zurück zur Anmeldung',
  'federation.link_required': 'Melden Sie sich zuerst bei Ihrem Konto an, um diese Anmeldeart zu verbinden.',
  'federation.profile_incomplete': 'Diese Anmeldung hat uns nicht alles gegeben, was ein Konto hier braucht. Registrieren Sie sich stattdessen mit Ihrer E-Mail-Adresse.',
  'federation.upstream_failed': 'Die Anmeldung auf diesem Weg hat nicht funktioniert. Versuchen Sie es erneut oder wählen Sie eine andere Anmeldeart.',
  'federation.already_linked': 'Dieses Konto ist hier bereits mit einem anderen Konto verbunden.',
  'connection.not_found': 'Es gibt keine Verbindung mit der ID {id}.',
  'connection.id_taken': 'Die Verbindungs-ID {id} wird bereits verwendet. Wählen Sie eine andere.',
};

export const federationFr: FederationTexts = {
  'page.federation.continue_with': 'Continuer avec {name}',
  'page.federation.or': 'ou',
  'page.federation.link_title': 'Associer votre compte',
  'page.federation.link_heading': 'Associer {name} à votre compte',
  'page.federation.link_intro': 'Pour utiliser {name} ici, connectez-vous une fois à votre compte avec votre adresse e-mail et votre mot de passe. Nouveau ici ? Créez d’abord un compte, puis associez {name} depuis la page de votre compte.',
  'page.federation.link_submit': 'Se connecter et associer',
  'page.federation.back': 'Retour à la connexion',
  'federation.link_required': 'Connectez-vous d’abord à votre compte pour associer ce moyen de connexion.',
  'federation.profile_incomplete': 'Cette connexion ne nous a pas donné ce dont un compte a besoin ici. Inscrivez-vous plutôt avec votre adresse e-mail.',
  'federation.upstream_failed': 'La connexion par ce moyen n’a pas fonctionné. Réessayez ou choisissez un autre moyen de connexion.',
  'federation.already_linked': 'Ce compte est déjà associé à un autre compte ici.',
  'connection.not_found': 'Aucune connexion n’a l’identifiant {id}.',
  'connection.id_taken': 'L’identifiant de connexion {id} est déjà utilisé. Choisissez-en un autre.',
};

export const federationEs: FederationTexts = {
  'page.federation.continue_with': 'Continuar con {name}',
  'page.federation.or': 'o',
  'page.federation.link_title': 'Vincular tu cuenta',
  'page.federation.link_heading': 'Vincular {name} a tu cuenta',
  'page.federation.link_intro': 'Para usar {name} aquí, inicia sesión una vez en tu cuenta con tu correo y tu contraseña. ¿Eres nuevo? Crea primero una cuenta y luego vincula {name} desde la página de tu cuenta.',
  'page.federation.link_submit': 'Iniciar sesión y vincular',
  'page.federation.back': 'Volver al inicio de sesión',
  'federation.link_required': 'Inicia sesión primero en tu cuenta para vincular esta forma de acceso.',
  'federation.profile_incomplete': 'Ese inicio de sesión no nos dio lo que necesita una cuenta aquí. Regístrate con tu correo electrónico.',
  'federation.upstream_failed': 'No se pudo iniciar sesión de esa forma. Inténtalo de nuevo o elige otra forma de acceso.',
  'federation.already_linked': 'Esa cuenta ya está vinculada a otra cuenta aquí.',
  'connection.not_found': 'No hay ninguna conexión con el ID {id}.',
  'connection.id_taken': 'El ID de conexión {id} ya está en uso. Elige otro.',
};

export const federationPtBR: FederationTexts = {
  'page.federation.continue_with': 'Continuar com {name}',
  'page.federation.or': 'ou',
  'page.federation.link_title': 'Vincular sua conta',
  'page.federation.link_heading': 'Vincular {name} à sua conta',
  'page.federation.link_intro': 'Para usar {name} aqui, entre uma vez na sua conta com seu e-mail e sua senha. É novo por aqui? Crie uma conta primeiro e depois vincule {name} na página da sua conta.',
  'page.federation.link_submit': 'Entrar e vincular',
  'page.federation.back': 'Voltar para o login',
  'federation.link_required': 'Entre primeiro na sua conta para vincular esta forma de login.',
  'federation.profile_incomplete': 'Esse login não nos deu o que uma conta precisa aqui. Cadastre-se com seu e-mail.',
  'federation.upstream_failed': 'Não foi possível entrar dessa forma. Tente de novo ou escolha outra forma de entrar.',
  'federation.already_linked': 'Essa conta já está vinculada a outra conta aqui.',
  'connection.not_found': 'Não há conexão com o ID {id}.',
  'connection.id_taken': 'O ID de conexão {id} já está em uso. Escolha outro.',
};

export const federationIt: FederationTexts = {
  'page.federation.continue_with': 'Continua con {name}',
  'page.federation.or': 'oppure',
  'page.federation.link_title': 'Collega il tuo account',
  'page.federation.link_heading': 'Collega {name} al tuo account',
  'page.federation.link_intro': 'Per usare {name} qui, accedi una volta al tuo account con email e password. Sei nuovo? Crea prima un account, poi collega {name} dalla pagina del tuo account.',
  'page.federation.link_submit': 'Accedi e collega',
  'page.federation.back': 'Torna all’accesso',
  'federation.link_required': 'Accedi prima al tuo account per collegare questo metodo di accesso.',
  'federation.profile_incomplete': 'Questo accesso non ci ha dato ciò che serve a un account qui. Registrati invece con la tua email.',
  'federation.upstream_failed': 'L’accesso in questo modo non è riuscito. Riprova o scegli un altro metodo di accesso.',
  'federation.already_linked': 'Quell’account è già collegato a un altro account qui.',
  'connection.not_found': 'Non esiste una connessione con ID {id}.',
  'connection.id_taken': 'L’ID di connessione {id} è già in uso. Scegline un altro.',
};

export const federationNl: FederationTexts = {
  'page.federation.continue_with': 'Doorgaan met {name}',
  'page.federation.or': 'of',
  'page.federation.link_title': 'Je account koppelen',
  'page.federation.link_heading': '{name} aan je account koppelen',
  'page.federation.link_intro': 'Om {name} hier te gebruiken, log je één keer in op je account met je e-mailadres en wachtwoord. Nieuw hier? Maak eerst een account aan en koppel {name} daarna op je accountpagina.',
  'page.federation.link_submit': 'Inloggen en koppelen',
  'page.federation.back': 'Terug naar inloggen',
  'federation.link_required': 'Log eerst in op je account om deze manier van inloggen te koppelen.',
  'federation.profile_incomplete': 'Die inlog gaf ons niet wat een account hier nodig heeft. Registreer je in plaats daarvan met je e-mailadres.',
  'federation.upstream_failed': 'Inloggen op die manier is niet gelukt. Probeer het opnieuw of kies een andere manier om in te loggen.',
  'federation.already_linked': 'Dat account is hier al aan een ander account gekoppeld.',
  'connection.not_found': 'Er is geen verbinding met de ID {id}.',
  'connection.id_taken': 'De verbindings-ID {id} is al in gebruik. Kies een andere.',
};

export const federationJa: FederationTexts = {
  'page.federation.continue_with': '{name}で続ける',
  'page.federation.or': 'または',
  'page.federation.link_title': 'アカウントを連携',
  'page.federation.link_heading': '{name}をアカウントに連携',
  'page.federation.link_intro': 'ここで{name}を使うには、メールアドレスとパスワードで一度アカウントにサインインしてください。初めての方は、先にアカウントを作成してから、アカウントページで{name}を連携してください。',
  'page.federation.link_submit': 'サインインして連携',
  'page.federation.back': 'サインインに戻る',
  'federation.link_required': 'このサインイン方法を連携するには、まずアカウントにサインインしてください。',
  'federation.profile_incomplete': 'このサインインでは、ここでのアカウントに必要な情報が得られませんでした。メールアドレスで登録してください。',
  'federation.upstream_failed': 'その方法でのサインインに失敗しました。もう一度試すか、別のサインイン方法を選んでください。',
  'federation.already_linked': 'そのアカウントは、ここで既に別のアカウントに連携されています。',
  'connection.not_found': 'ID {id}の接続はありません。',
  'connection.id_taken': '接続ID {id}は既に使われています。別のIDを選んでください。',
};

export const federationZhCN: FederationTexts = {
  'page.federation.continue_with': '使用 {name} 继续',
  'page.federation.or': '或',
  'page.federation.link_title': '关联您的账户',
  'page.federation.link_heading': '将 {name} 关联到您的账户',
  'page.federation.link_intro': '要在这里使用 {name}，请用您的电子邮件和密码登录一次您的账户。第一次来？请先创建账户，然后在账户页面关联 {name}。',
  'page.federation.link_submit': '登录并关联',
  'page.federation.back': '返回登录',
  'federation.link_required': '请先登录您的账户，再关联这种登录方式。',
  'federation.profile_incomplete': '这次登录没有提供这里的账户所需的信息。请改用电子邮件注册。',
  'federation.upstream_failed': '无法通过这种方式登录。请重试，或选择其他登录方式。',
  'federation.already_linked': '该账户已关联到这里的另一个账户。',
  'connection.not_found': '没有 ID 为 {id} 的连接。',
  'connection.id_taken': '连接 ID {id} 已被使用。请另选一个。',
};

export const federationAr: FederationTexts = {
  'page.federation.continue_with': 'المتابعة باستخدام {name}',
  'page.federation.or': 'أو',
  'page.federation.link_title': 'ربط حسابك',
  'page.federation.link_heading': 'ربط {name} بحسابك',
  'page.federation.link_intro': 'لاستخدام {name} هنا، سجّل الدخول إلى حسابك مرة واحدة ببريدك الإلكتروني وكلمة المرور. جديد هنا؟ أنشئ حسابًا أولًا، ثم اربط {name} من صفحة حسابك.',
  'page.federation.link_submit': 'تسجيل الدخول والربط',
  'page.federation.back': 'العودة إلى تسجيل الدخول',
  'federation.link_required': 'سجّل الدخول إلى حسابك أولًا لربط طريقة تسجيل الدخول هذه.',
  'federation.profile_incomplete': 'لم يمنحنا تسجيل الدخول هذا ما يحتاجه الحساب هنا. أنشئ حسابًا ببريدك الإلكتروني بدلًا من ذلك.',
  'federation.upstream_failed': 'لم ينجح تسجيل الدخول بهذه الطريقة. حاول مرة أخرى أو اختر طريقة أخرى لتسجيل الدخول.',
  'federation.already_linked': 'هذا الحساب مرتبط بالفعل بحساب آخر هنا.',
  'connection.not_found': 'لا يوجد اتصال بالمعرّف {id}.',
  'connection.id_taken': 'معرّف الاتصال {id} مستخدم بالفعل. اختر معرّفًا آخر.',
};
