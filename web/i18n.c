/*
 * i18n.c: the texts of the pages in French, English and German (see
 * i18n.h).  French typography uses no-break spaces before : ; ? ! and
 * inside guillemets.
 */
#include "i18n.h"

#include <stdio.h>
#include <string.h>

#include "form.h"

struct text {
	const char *fr;
	const char *en;
	const char *de;
};

static const struct text texts[I18N_ID_COUNT] = {
	/* layout */
	[I18N_TAGLINE] = {
		"Magasin de certificats des professionnels de santé",
		"Certificate stores for health professionals",
		"Zertifikatsspeicher für Gesundheitsfachpersonen" },
	[I18N_SKIP] = {
		"Aller au contenu", "Skip to content", "Zum Inhalt" },
	[I18N_LANGUAGE] = { "Langue", "Language", "Sprache" },
	[I18N_SIGN_OUT] = { "Se déconnecter", "Sign out", "Abmelden" },
	[I18N_FAQ_LINK] = {
		"Questions fréquentes", "Frequently asked questions",
		"Häufige Fragen" },
	[I18N_FOOTER] = {
		"Service de la plateforme e-santé. Nous ne vous demanderons "
		"jamais un code ou un mot de passe par téléphone.",
		"A service of the e-health platform. We will never ask you "
		"for a code or a password by phone.",
		"Ein Dienst der E-Health-Plattform. Wir fragen Sie niemals "
		"telefonisch nach einem Code oder Passwort." },
	[I18N_BACK_HOME] = {
		"Retour à l’accueil", "Back to home", "Zurück zur Startseite" },
	[I18N_WHAT_TO_DO] = {
		"Que faire ?", "What to do", "Was tun?" },
	[I18N_STEP_OF] = {
		"Étape {} sur 4", "Step {} of 4", "Schritt {} von 4" },

	/* sign-in needed */
	[I18N_LOGIN_TITLE] = {
		"Connexion nécessaire", "Please sign in",
		"Anmeldung erforderlich" },
	[I18N_LOGIN_TEXT] = {
		"Ce service délivre aux professionnels de santé le magasin de "
		"certificats qui permet à leur logiciel de se connecter aux "
		"services de la plateforme e-santé.",
		"This service gives health professionals the certificate "
		"store that lets their software connect to the services of "
		"the e-health platform.",
		"Dieser Dienst stellt Gesundheitsfachpersonen den "
		"Zertifikatsspeicher aus, mit dem sich ihre Software bei den "
		"Diensten der E-Health-Plattform anmeldet." },
	[I18N_LOGIN_HOW] = {
		"Pour y accéder, connectez-vous au portail de la plateforme "
		"e-santé avec votre carte professionnelle, puis ouvrez "
		"« Mon certificat ». Le portail vous ramènera ici.",
		"To use it, sign in to the e-health platform portal with your "
		"professional card, then open “My certificate”. The portal "
		"brings you back here.",
		"Melden Sie sich dazu mit Ihrer Berufskarte beim Portal der "
		"E-Health-Plattform an und öffnen Sie „Mein Zertifikat“. Das "
		"Portal bringt Sie hierher zurück." },
	[I18N_LOGIN_EXPIRED] = {
		"Votre session a expiré. Reconnectez-vous par le portail.",
		"Your session has expired. Please sign in again through the "
		"portal.",
		"Ihre Sitzung ist abgelaufen. Bitte melden Sie sich über das "
		"Portal erneut an." },
	[I18N_LOGIN_SIGNED_OUT] = {
		"Vous êtes déconnecté.", "You are signed out.",
		"Sie sind abgemeldet." },
	[I18N_LOGIN_DEV] = {
		"Développement : ouvrir le portail de test",
		"Development: open the test portal",
		"Entwicklung: Testportal öffnen" },
	[I18N_SSO_CONTINUE_TITLE] = {
		"Connexion réussie", "Signed in", "Angemeldet" },
	[I18N_SSO_CONTINUE] = {
		"Continuer", "Continue", "Weiter" },

	/* access refused */
	[I18N_NOT_PRO_TITLE] = {
		"Service réservé aux professionnels de santé",
		"For health professionals only",
		"Nur für Gesundheitsfachpersonen" },
	[I18N_NOT_PRO_TEXT] = {
		"Votre compte n’indique pas de profession de santé. Seuls les "
		"professionnels de santé peuvent obtenir un magasin de "
		"certificats.",
		"Your account does not show a health profession. Only health "
		"professionals can obtain a certificate store.",
		"Ihr Konto weist keinen Gesundheitsberuf aus. Nur "
		"Gesundheitsfachpersonen erhalten einen Zertifikatsspeicher." },
	[I18N_NOT_PRO_DO] = {
		"Si vous exercez une profession de santé, demandez au registre "
		"des professionnels de santé de l’enregistrer, puis "
		"reconnectez-vous par le portail.",
		"If you work in a health profession, ask the professional "
		"registry to record it, then sign in again through the "
		"portal.",
		"Wenn Sie einen Gesundheitsberuf ausüben, lassen Sie ihn im "
		"Berufsregister eintragen und melden Sie sich dann erneut "
		"über das Portal an." },
	[I18N_NOT_PRIMARY_TITLE] = {
		"L’eHealthID n’est pas votre identifiant principal",
		"Your eHealthID is not your primary identifier",
		"Die eHealthID ist nicht Ihre primäre Kennung" },
	[I18N_NOT_PRIMARY_TEXT] = {
		"Le certificat est établi au nom de votre eHealthID : il doit "
		"être l’identifiant principal de votre compte sur le portail.",
		"The certificate is made out to your eHealthID: it must be the "
		"primary identifier of your portal account.",
		"Das Zertifikat wird auf Ihre eHealthID ausgestellt: Sie muss "
		"die primäre Kennung Ihres Portalkontos sein." },
	[I18N_NOT_PRIMARY_DO] = {
		"Dans les paramètres de votre compte sur le portail, "
		"choisissez l’eHealthID comme identifiant principal, puis "
		"reconnectez-vous.",
		"In your account settings on the portal, choose the eHealthID "
		"as primary identifier, then sign in again.",
		"Wählen Sie in Ihren Kontoeinstellungen im Portal die "
		"eHealthID als primäre Kennung und melden Sie sich dann "
		"erneut an." },
	[I18N_NOT_STRONG_TITLE] = {
		"Connexion forte nécessaire", "Strong sign-in required",
		"Starke Anmeldung erforderlich" },
	[I18N_NOT_STRONG_TEXT] = {
		"Vous vous êtes connecté au portail avec une méthode qui ne "
		"suffit pas pour obtenir un certificat.",
		"You signed in to the portal with a method that is not enough "
		"to obtain a certificate.",
		"Sie haben sich beim Portal mit einer Methode angemeldet, die "
		"für ein Zertifikat nicht ausreicht." },
	[I18N_NOT_STRONG_DO] = {
		"Déconnectez-vous du portail, reconnectez-vous avec votre "
		"carte professionnelle, puis revenez ici.",
		"Sign out of the portal, sign in again with your professional "
		"card, then come back here.",
		"Melden Sie sich vom Portal ab, melden Sie sich mit Ihrer "
		"Berufskarte wieder an und kehren Sie hierher zurück." },
	[I18N_INVALID_TITLE] = {
		"Connexion impossible", "Sign-in failed",
		"Anmeldung fehlgeschlagen" },
	[I18N_INVALID_TEXT] = {
		"La connexion transmise par le portail n’a pas pu être "
		"vérifiée. Elle a peut-être expiré ou déjà servi.",
		"The sign-in passed on by the portal could not be verified. "
		"It may have expired or been used already.",
		"Die vom Portal übermittelte Anmeldung konnte nicht geprüft "
		"werden. Sie ist vielleicht abgelaufen oder schon verwendet." },
	[I18N_INVALID_DO] = {
		"Retournez sur le portail et ouvrez à nouveau « Mon "
		"certificat ».",
		"Go back to the portal and open “My certificate” again.",
		"Kehren Sie zum Portal zurück und öffnen Sie erneut „Mein "
		"Zertifikat“." },
	[I18N_RATE_TITLE] = {
		"Trop de tentatives", "Too many attempts",
		"Zu viele Versuche" },
	[I18N_RATE_TEXT] = {
		"Trop de connexions ont été tentées depuis votre adresse en "
		"peu de temps.",
		"Too many sign-ins were attempted from your address in a "
		"short time.",
		"Von Ihrer Adresse wurden in kurzer Zeit zu viele Anmeldungen "
		"versucht." },
	[I18N_RATE_DO] = {
		"Attendez une minute, puis réessayez depuis le portail.",
		"Wait a minute, then try again from the portal.",
		"Warten Sie eine Minute und versuchen Sie es dann erneut über "
		"das Portal." },

	/* home */
	[I18N_HOME_TITLE] = {
		"Mon magasin de certificats", "My certificate store",
		"Mein Zertifikatsspeicher" },
	[I18N_HOME_HELLO] = { "Bonjour {}", "Hello {}", "Guten Tag {}" },
	[I18N_HOME_NONE] = {
		"Vous n’avez pas de magasin de certificats actif.",
		"You have no active certificate store.",
		"Sie haben keinen aktiven Zertifikatsspeicher." },
	[I18N_HOME_WHAT] = {
		"Un magasin de certificats est un fichier (.p12) protégé par "
		"un mot de passe. Installé dans votre logiciel, il lui permet "
		"de se connecter aux services de la plateforme e-santé en "
		"votre nom.",
		"A certificate store is a file (.p12) protected by a password. "
		"Installed in your software, it lets the software connect to "
		"the services of the e-health platform in your name.",
		"Ein Zertifikatsspeicher ist eine passwortgeschützte Datei "
		"(.p12). In Ihrer Software installiert, meldet sie sich damit "
		"in Ihrem Namen bei den Diensten der E-Health-Plattform an." },
	[I18N_HOME_STEPS] = {
		"La demande prend quelques minutes :",
		"The request takes a few minutes:",
		"Der Antrag dauert wenige Minuten:" },
	[I18N_HOME_STEP1] = {
		"accepter les conditions d’utilisation ;",
		"accept the terms of use;",
		"Nutzungsbedingungen annehmen;" },
	[I18N_HOME_STEP2] = {
		"vérifier vos données et indiquer votre adresse e-mail ;",
		"check your data and give your email address;",
		"Ihre Daten prüfen und Ihre E-Mail-Adresse angeben;" },
	[I18N_HOME_STEP3] = {
		"saisir le code reçu par e-mail ;",
		"enter the code you receive by email;",
		"den per E-Mail erhaltenen Code eingeben;" },
	[I18N_HOME_STEP4] = {
		"télécharger le fichier et noter son mot de passe.",
		"download the file and note its password.",
		"die Datei herunterladen und ihr Passwort notieren." },
	[I18N_HOME_REQUEST] = {
		"Demander mon magasin de certificats",
		"Request my certificate store",
		"Meinen Zertifikatsspeicher beantragen" },
	[I18N_HOME_ACTIVE] = {
		"Votre magasin de certificats", "Your certificate store",
		"Ihr Zertifikatsspeicher" },
	[I18N_STATUS] = { "Statut", "Status", "Status" },
	[I18N_STATUS_ACTIVE] = { "Actif", "Active", "Aktiv" },
	[I18N_STATUS_EXPIRED] = { "Expiré", "Expired", "Abgelaufen" },
	[I18N_SERIAL] = {
		"Numéro de série", "Serial number", "Seriennummer" },
	[I18N_HOLDER] = { "Titulaire", "Holder", "Inhaber" },
	[I18N_EMAIL] = {
		"Adresse e-mail", "Email address", "E-Mail-Adresse" },
	[I18N_ISSUED_ON] = { "Délivré le", "Issued on", "Ausgestellt am" },
	[I18N_EXPIRES_ON] = { "Expire le", "Expires on", "Gültig bis" },
	[I18N_DEACTIVATE] = { "Désactiver", "Deactivate", "Deaktivieren" },
	[I18N_HOME_LOST] = {
		"Fichier ou mot de passe perdu, informations changées ? "
		"Désactivez ce magasin, puis demandez-en un nouveau.",
		"Lost the file or the password, or your details changed? "
		"Deactivate this store, then request a new one.",
		"Datei oder Passwort verloren, Angaben geändert? Deaktivieren "
		"Sie diesen Speicher und beantragen Sie einen neuen." },
	[I18N_HOME_READY] = {
		"Votre nouveau magasin est prêt à être téléchargé jusqu’à {}.",
		"Your new store is ready to download until {}.",
		"Ihr neuer Speicher kann bis {} heruntergeladen werden." },
	[I18N_HOME_READY_LINK] = {
		"Aller au téléchargement", "Go to the download",
		"Zum Download" },
	[I18N_NOTICE_DEACTIVATED] = {
		"Votre magasin de certificats a été désactivé. Vous pouvez en "
		"demander un nouveau.",
		"Your certificate store has been deactivated. You can request "
		"a new one.",
		"Ihr Zertifikatsspeicher wurde deaktiviert. Sie können einen "
		"neuen beantragen." },
	[I18N_NOTICE_CANCELLED] = {
		"Votre demande a été annulée.", "Your request was cancelled.",
		"Ihr Antrag wurde abgebrochen." },
	[I18N_NOTICE_ACTIVE_EXISTS] = {
		"Vous avez déjà un magasin actif. Pour en obtenir un nouveau, "
		"désactivez d’abord celui-ci.",
		"You already have an active store. To get a new one, first "
		"deactivate this one.",
		"Sie haben bereits einen aktiven Speicher. Für einen neuen "
		"deaktivieren Sie zuerst diesen." },
	[I18N_NOTICE_LOCKED] = {
		"Trop de codes incorrects : la demande a été bloquée. Vous "
		"pouvez recommencer une demande.",
		"Too many wrong codes: the request was stopped. You can start "
		"a new request.",
		"Zu viele falsche Codes: Der Antrag wurde gesperrt. Sie "
		"können einen neuen Antrag stellen." },

	/* renewal and expiry */
	[I18N_STATUS_REPLACED] = {
		"En cours de remplacement",
		"Being replaced",
		"Wird ersetzt" },
	[I18N_HOME_NEW] = {
		"Votre nouveau magasin de certificats",
		"Your new certificate store",
		"Ihr neuer Zertifikatsspeicher" },
	[I18N_HOME_REPLACED] = {
		"Votre magasin précédent, en cours de remplacement",
		"Your previous store, being replaced",
		"Ihr bisheriger Speicher, der ersetzt wird" },
	[I18N_HOME_SWITCH_WAIT] = {
		"Téléchargez votre nouveau magasin et installez-le dans "
		"votre logiciel. Le magasin précédent reste valable en "
		"attendant.",
		"Download your new store and install it in your software. "
		"The previous store stays valid meanwhile.",
		"Laden Sie Ihren neuen Speicher herunter und installieren "
		"Sie ihn in Ihrer Software. Der bisherige Speicher bleibt so "
		"lange gültig." },
	[I18N_HOME_SWITCH_TEXT] = {
		"Le magasin précédent reste valable jusqu’à ce que vous "
		"confirmiez que le nouveau est installé et fonctionne, au "
		"plus tard jusqu’au {}. Il sera alors désactivé.",
		"The previous store stays valid until you confirm that the "
		"new one is installed and works, at the latest until {}. It "
		"is then deactivated.",
		"Der bisherige Speicher bleibt gültig, bis Sie bestätigen, "
		"dass der neue installiert ist und funktioniert, längstens "
		"bis zum {}. Dann wird er deaktiviert." },
	[I18N_HOME_SWITCH] = {
		"Mon nouveau magasin est installé",
		"My new store is installed",
		"Mein neuer Speicher ist installiert" },
	[I18N_HOME_RENEW_TEXT] = {
		"Votre magasin expire le {}. Vous pouvez le renouveler dès "
		"maintenant : il reste valable jusqu’à ce que le nouveau "
		"soit installé.",
		"Your store expires on {}. You can renew it now: it stays "
		"valid until the new one is installed.",
		"Ihr Speicher läuft am {} ab. Sie können ihn jetzt erneuern: "
		"Er bleibt gültig, bis der neue installiert ist." },
	[I18N_RENEW] = { "Renouveler", "Renew", "Erneuern" },
	[I18N_HOME_EXPIRED_TEXT] = {
		"Ce magasin a expiré : votre logiciel ne peut plus se "
		"connecter avec lui. Demandez-en un nouveau.",
		"This store has expired: your software can no longer connect "
		"with it. Request a new one.",
		"Dieser Speicher ist abgelaufen: Ihre Software kann sich "
		"damit nicht mehr anmelden. Beantragen Sie einen neuen." },
	[I18N_NOTICE_SWITCHED] = {
		"Votre magasin précédent a été désactivé. Seul le nouveau "
		"est désormais valable.",
		"Your previous store has been deactivated. Only the new one "
		"is valid now.",
		"Ihr bisheriger Speicher wurde deaktiviert. Nur der neue ist "
		"jetzt gültig." },
	[I18N_NOTICE_RENEW_UNAVAILABLE] = {
		"Le renouvellement n’est pas possible maintenant : il "
		"s’ouvre pendant les derniers jours de validité d’un magasin "
		"téléchargé, une fois le renouvellement précédent terminé.",
		"Renewal is not possible now: it opens during the last days "
		"of validity of a downloaded store, once any previous "
		"renewal is finished.",
		"Eine Erneuerung ist jetzt nicht möglich: Sie ist in den "
		"letzten Tagen der Gültigkeit eines heruntergeladenen "
		"Speichers möglich, sobald eine vorherige Erneuerung "
		"abgeschlossen ist." },
	[I18N_RENEW_TITLE] = {
		"Renouveler mon magasin de certificats",
		"Renew my certificate store",
		"Meinen Zertifikatsspeicher erneuern" },
	[I18N_RENEW_INTRO] = {
		"Vous demandez un nouveau magasin pour remplacer celui qui "
		"expire le {}. L’actuel reste valable jusqu’à ce que vous "
		"ayez installé le nouveau.",
		"You are requesting a new store to replace the one that "
		"expires on {}. The current one stays valid until you have "
		"installed the new one.",
		"Sie beantragen einen neuen Speicher als Ersatz für den, der "
		"am {} abläuft. Der aktuelle bleibt gültig, bis Sie den "
		"neuen installiert haben." },
	[I18N_DONE_RENEWED] = {
		"Installez ce nouveau magasin dans votre logiciel et "
		"vérifiez qu’il fonctionne, puis confirmez-le sur la page "
		"d’accueil : le magasin précédent sera alors désactivé. Sans "
		"confirmation, il le sera automatiquement à la fin du délai "
		"de transition.",
		"Install this new store in your software and check that it "
		"works, then confirm it on the home page: the previous store "
		"is then deactivated. Without confirmation, it is "
		"deactivated automatically at the end of the transition "
		"period.",
		"Installieren Sie diesen neuen Speicher in Ihrer Software "
		"und prüfen Sie, ob er funktioniert; bestätigen Sie es dann "
		"auf der Startseite: Der bisherige Speicher wird dann "
		"deaktiviert. Ohne Bestätigung geschieht das automatisch am "
		"Ende der Übergangsfrist." },
	[I18N_DEACT_BOTH] = {
		"Votre magasin précédent ({}), en cours de remplacement, "
		"sera désactivé lui aussi.",
		"Your previous store ({}), being replaced, is deactivated "
		"too.",
		"Ihr bisheriger Speicher ({}), der ersetzt wird, wird "
		"ebenfalls deaktiviert." },

	/* terms */
	[I18N_TERMS_TITLE] = {
		"Conditions d’utilisation", "Terms of use",
		"Nutzungsbedingungen" },
	[I18N_TERMS_VERSION] = {
		"Version {}", "Version {}", "Fassung {}" },
	[I18N_TERMS_P1] = {
		"Le magasin de certificats est personnel. Il sert uniquement "
		"à connecter votre logiciel professionnel aux services de la "
		"plateforme e-santé, en votre nom et sous votre "
		"responsabilité.",
		"The certificate store is personal. It serves only to connect "
		"your professional software to the services of the e-health "
		"platform, in your name and under your responsibility.",
		"Der Zertifikatsspeicher ist persönlich. Er dient nur dazu, "
		"Ihre Praxissoftware in Ihrem Namen und unter Ihrer "
		"Verantwortung mit den Diensten der E-Health-Plattform zu "
		"verbinden." },
	[I18N_TERMS_P2] = {
		"Gardez le fichier et son mot de passe pour vous : ne les "
		"transmettez à personne et ne les conservez pas ensemble.",
		"Keep the file and its password to yourself: give them to "
		"nobody and do not keep them together.",
		"Behalten Sie Datei und Passwort für sich: Geben Sie sie "
		"niemandem weiter und bewahren Sie sie nicht zusammen auf." },
	[I18N_TERMS_P3] = {
		"Si le fichier ou le mot de passe est perdu ou a pu être vu "
		"par un tiers, désactivez le magasin sans attendre.",
		"If the file or the password is lost or may have been seen by "
		"someone else, deactivate the store at once.",
		"Ist die Datei oder das Passwort verloren oder könnte ein "
		"Dritter sie gesehen haben, deaktivieren Sie den Speicher "
		"sofort." },
	[I18N_TERMS_P4] = {
		"Le certificat contient vos nom, prénom, eHealthID et adresse "
		"e-mail. Ces données et les étapes de votre demande sont "
		"enregistrées dans un journal d’audit.",
		"The certificate holds your name, eHealthID and email address. "
		"These data and the steps of your request are recorded in an "
		"audit log.",
		"Das Zertifikat enthält Ihren Namen, Ihre eHealthID und Ihre "
		"E-Mail-Adresse. Diese Daten und die Schritte Ihres Antrags "
		"werden in einem Prüfprotokoll festgehalten." },
	[I18N_TERMS_P5] = {
		"Le certificat est valable pour une durée limitée, indiquée "
		"sur la page d’accueil. Vous pouvez le désactiver à tout "
		"moment ; la désactivation est définitive.",
		"The certificate is valid for a limited time, shown on the "
		"home page. You can deactivate it at any time; deactivation "
		"is final.",
		"Das Zertifikat ist begrenzt gültig; das Ablaufdatum steht "
		"auf der Startseite. Sie können es jederzeit deaktivieren; "
		"die Deaktivierung ist endgültig." },
	[I18N_TERMS_ACCEPT] = {
		"J’ai lu et j’accepte les conditions d’utilisation",
		"I have read and accept the terms of use",
		"Ich habe die Nutzungsbedingungen gelesen und akzeptiere sie" },
	[I18N_TERMS_REQUIRED] = {
		"Cochez la case pour accepter les conditions avant de "
		"continuer.",
		"Tick the box to accept the terms before you continue.",
		"Kreuzen Sie das Feld an, um die Bedingungen anzunehmen." },
	[I18N_CONTINUE] = { "Continuer", "Continue", "Weiter" },

	/* data check */
	[I18N_DATA_TITLE] = {
		"Vérifiez vos données", "Check your data",
		"Prüfen Sie Ihre Daten" },
	[I18N_DATA_INTRO] = {
		"Ces informations viennent du registre des professionnels de "
		"santé et figureront dans votre certificat.",
		"These details come from the professional registry and will "
		"appear in your certificate.",
		"Diese Angaben stammen aus dem Berufsregister und erscheinen "
		"in Ihrem Zertifikat." },
	[I18N_GIVEN_NAME] = { "Prénom", "Given name", "Vorname" },
	[I18N_FAMILY_NAME] = { "Nom", "Family name", "Nachname" },
	[I18N_EHEALTH_ID] = { "eHealthID", "eHealthID", "eHealthID" },
	[I18N_PROFESSION] = { "Profession", "Profession", "Beruf" },
	[I18N_DATA_WRONG] = {
		"Une information est fausse ? Elle ne peut pas être modifiée "
		"ici : signalez-la au registre des professionnels de santé, "
		"puis faites votre demande une fois la correction faite.",
		"Is something wrong? It cannot be changed here: report it to "
		"the professional registry, then make your request once it is "
		"corrected.",
		"Stimmt etwas nicht? Hier kann es nicht geändert werden: "
		"Melden Sie es dem Berufsregister und stellen Sie Ihren "
		"Antrag nach der Korrektur." },
	[I18N_EMAIL_HINT] = {
		"Nous y envoyons un code de confirmation. Elle figurera dans "
		"votre certificat.",
		"We send a confirmation code to it. It will appear in your "
		"certificate.",
		"Wir senden einen Bestätigungscode dorthin. Sie erscheint in "
		"Ihrem Zertifikat." },
	[I18N_EMAIL_INVALID] = {
		"Saisissez une adresse e-mail valide, par exemple "
		"nom@exemple.fr.",
		"Enter a valid email address, for example name@example.org.",
		"Geben Sie eine gültige E-Mail-Adresse ein, zum Beispiel "
		"name@beispiel.de." },
	[I18N_MAIL_FAILED] = {
		"Le message n’a pas pu être envoyé. Réessayez dans quelques "
		"minutes.",
		"The message could not be sent. Try again in a few minutes.",
		"Die Nachricht konnte nicht gesendet werden. Versuchen Sie es "
		"in einigen Minuten erneut." },
	[I18N_VALIDATE] = { "Valider", "Validate", "Bestätigen" },
	[I18N_CANCEL] = { "Annuler", "Cancel", "Abbrechen" },

	/* code */
	[I18N_CODE_TITLE] = {
		"Saisissez le code reçu", "Enter the code you received",
		"Geben Sie den erhaltenen Code ein" },
	[I18N_CODE_SENT_TO] = {
		"Nous avons envoyé un code à 6 chiffres à {}.",
		"We sent a 6-digit code to {}.",
		"Wir haben einen 6-stelligen Code an {} gesendet." },
	[I18N_CODE_VALID] = {
		"Le code est valable 5 minutes, jusqu’à {}.",
		"The code is valid for 5 minutes, until {}.",
		"Der Code ist 5 Minuten gültig, bis {}." },
	[I18N_CODE_LABEL] = {
		"Code de confirmation", "Confirmation code",
		"Bestätigungscode" },
	[I18N_CODE_HINT] = {
		"6 chiffres, sans espace", "6 digits, no spaces",
		"6 Ziffern, ohne Leerzeichen" },
	[I18N_CODE_TRIES] = {
		"Essais restants : {}", "Tries left: {}",
		"Verbleibende Versuche: {}" },
	[I18N_CODE_SUBMIT] = { "Confirmer", "Confirm", "Bestätigen" },
	[I18N_CODE_PHONE] = {
		"Nous ne vous demanderons jamais ce code par téléphone. Ne le "
		"communiquez à personne.",
		"We will never ask you for this code by phone. Do not give it "
		"to anyone.",
		"Wir fragen Sie niemals telefonisch nach diesem Code. Geben "
		"Sie ihn an niemanden weiter." },
	[I18N_CODE_NOT_RECEIVED] = {
		"Pas reçu ? Vérifiez le dossier des courriers indésirables, "
		"ou demandez un nouveau code.",
		"Nothing arrived? Check your spam folder, or ask for a new "
		"code.",
		"Nichts erhalten? Prüfen Sie den Spam-Ordner oder fordern Sie "
		"einen neuen Code an." },
	[I18N_CODE_RESEND] = {
		"Envoyer un nouveau code", "Send a new code",
		"Neuen Code senden" },
	[I18N_CODE_SENDS] = {
		"Nouveaux envois possibles : {}", "New sends left: {}",
		"Weitere Sendungen möglich: {}" },
	[I18N_CODE_WRONG] = {
		"Ce code n’est pas le bon. Vérifiez le dernier e-mail reçu.",
		"That code is not right. Check the latest email you received.",
		"Dieser Code ist falsch. Prüfen Sie die zuletzt erhaltene "
		"E-Mail." },
	[I18N_CODE_FORMAT] = {
		"Saisissez les 6 chiffres du code.",
		"Enter the 6 digits of the code.",
		"Geben Sie die 6 Ziffern des Codes ein." },
	[I18N_CODE_EXPIRED] = {
		"Ce code a expiré. Demandez un nouveau code.",
		"This code has expired. Ask for a new code.",
		"Dieser Code ist abgelaufen. Fordern Sie einen neuen an." },
	[I18N_CODE_RESENT] = {
		"Un nouveau code a été envoyé. Le précédent ne fonctionne "
		"plus.",
		"A new code was sent. The previous one no longer works.",
		"Ein neuer Code wurde gesendet. Der vorherige gilt nicht "
		"mehr." },
	[I18N_CODE_RESEND_LIMIT] = {
		"Vous ne pouvez plus demander de nouveau code pour cette "
		"demande. Annulez-la et recommencez plus tard.",
		"You cannot ask for another code for this request. Cancel it "
		"and start again later.",
		"Für diesen Antrag kann kein weiterer Code angefordert "
		"werden. Brechen Sie ihn ab und beginnen Sie später neu." },
	[I18N_CANCEL_REQUEST] = {
		"Annuler la demande", "Cancel the request",
		"Antrag abbrechen" },

	/* progress and failure */
	[I18N_PROGRESS_TITLE] = {
		"Création de votre magasin de certificats",
		"Creating your certificate store",
		"Ihr Zertifikatsspeicher wird erstellt" },
	[I18N_PROGRESS_STAY] = {
		"Ne quittez pas cette page. Elle se met à jour toute seule ; "
		"cela prend en général quelques secondes.",
		"Do not leave this page. It updates by itself; this usually "
		"takes a few seconds.",
		"Bitte verlassen Sie diese Seite nicht. Sie aktualisiert sich "
		"selbst; das dauert meist nur einige Sekunden." },
	[I18N_PROGRESS_ELAPSED] = {
		"Temps écoulé : {} s", "Time elapsed: {} s",
		"Vergangene Zeit: {} s" },
	[I18N_PROGRESS_REFRESH] = {
		"Actualiser", "Refresh", "Aktualisieren" },
	[I18N_FAILED_TITLE] = {
		"La création a échoué", "Creation failed",
		"Erstellung fehlgeschlagen" },
	[I18N_FAILED_TEXT] = {
		"Votre magasin de certificats n’a pas pu être créé. Rien n’a "
		"été délivré : vous pouvez réessayer sans risque, votre "
		"adresse e-mail reste confirmée.",
		"Your certificate store could not be created. Nothing was "
		"issued: you can safely try again, your email address stays "
		"confirmed.",
		"Ihr Zertifikatsspeicher konnte nicht erstellt werden. Es "
		"wurde nichts ausgestellt: Sie können es gefahrlos erneut "
		"versuchen, Ihre E-Mail-Adresse bleibt bestätigt." },
	[I18N_FAILED_DETAIL] = {
		"Détail technique : {}", "Technical detail: {}",
		"Technisches Detail: {}" },
	[I18N_RETRY] = { "Réessayer", "Try again", "Erneut versuchen" },

	/* success */
	[I18N_DONE_TITLE] = {
		"Votre magasin de certificats est prêt",
		"Your certificate store is ready",
		"Ihr Zertifikatsspeicher ist bereit" },
	[I18N_DONE_PASSWORD] = {
		"Mot de passe du fichier", "Password of the file",
		"Passwort der Datei" },
	[I18N_DONE_ONCE] = {
		"Ce mot de passe ne s’affiche qu’une seule fois. Notez-le ou "
		"copiez-le maintenant : il n’est enregistré nulle part et ne "
		"pourra pas être retrouvé.",
		"This password is shown only once. Write it down or copy it "
		"now: it is stored nowhere and cannot be recovered.",
		"Dieses Passwort wird nur einmal angezeigt. Notieren oder "
		"kopieren Sie es jetzt: Es wird nirgends gespeichert und kann "
		"nicht wiederhergestellt werden." },
	[I18N_COPY] = {
		"Copier le mot de passe", "Copy the password",
		"Passwort kopieren" },
	[I18N_COPIED] = { "Copié", "Copied", "Kopiert" },
	[I18N_DOWNLOAD] = {
		"Télécharger le fichier (.p12)", "Download the file (.p12)",
		"Datei herunterladen (.p12)" },
	[I18N_DOWNLOAD_UNTIL] = {
		"Le fichier peut être téléchargé depuis ce navigateur "
		"jusqu’à {}. Ensuite il est effacé, et un magasin jamais "
		"téléchargé est désactivé.",
		"The file can be downloaded from this browser until {}. Then "
		"it is erased, and a store never downloaded is deactivated.",
		"Die Datei kann bis {} in diesem Browser heruntergeladen "
		"werden. Danach wird sie gelöscht, und ein nie "
		"heruntergeladener Speicher wird deaktiviert." },
	[I18N_DONE_INSTALL] = {
		"Installez ensuite le fichier dans votre logiciel "
		"professionnel ; il vous demandera ce mot de passe.",
		"Then install the file in your professional software; it will "
		"ask for this password.",
		"Installieren Sie die Datei dann in Ihrer Praxissoftware; sie "
		"fragt nach diesem Passwort." },
	[I18N_DONE_SHOWN] = {
		"Le mot de passe a déjà été affiché une fois. Pour votre "
		"sécurité, il n’est plus disponible.",
		"The password has already been shown once. For your safety, "
		"it is no longer available.",
		"Das Passwort wurde bereits einmal angezeigt. Zu Ihrer "
		"Sicherheit ist es nicht mehr verfügbar." },
	[I18N_DONE_SHOWN_DO] = {
		"Si vous ne l’avez pas noté, désactivez ce magasin depuis "
		"l’accueil, puis demandez-en un nouveau.",
		"If you did not note it, deactivate this store from the home "
		"page, then request a new one.",
		"Falls Sie es nicht notiert haben, deaktivieren Sie diesen "
		"Speicher auf der Startseite und beantragen Sie einen neuen." },
	[I18N_DOWNLOAD_GONE] = {
		"Le fichier n’est plus disponible au téléchargement.",
		"The file is no longer available for download.",
		"Die Datei steht nicht mehr zum Download bereit." },
	[I18N_DOWNLOAD_RETRY] = {
		"Si le téléchargement a été interrompu, recommencez. Quand "
		"le fichier est bien enregistré, confirmez-le : il est alors "
		"effacé de mycert.",
		"If the download was interrupted, download again. Once the "
		"file is safely saved, confirm it: it is then erased from "
		"mycert.",
		"Falls der Download unterbrochen wurde, laden Sie die Datei "
		"erneut herunter. Sobald sie sicher gespeichert ist, "
		"bestätigen Sie es: Dann wird sie aus mycert gelöscht." },
	[I18N_DOWNLOAD_SAVED] = {
		"J’ai enregistré le fichier", "I have saved the file",
		"Ich habe die Datei gespeichert" },

	/* deactivation */
	[I18N_DEACT_TITLE] = {
		"Désactiver mon magasin de certificats",
		"Deactivate my certificate store",
		"Meinen Zertifikatsspeicher deaktivieren" },
	[I18N_DEACT_FINAL] = {
		"C’est définitif : le certificat est révoqué immédiatement et "
		"votre logiciel ne pourra plus se connecter avec ce magasin. "
		"Vous pourrez ensuite en demander un nouveau.",
		"This is final: the certificate is revoked at once and your "
		"software will no longer connect with this store. You can "
		"then request a new one.",
		"Das ist endgültig: Das Zertifikat wird sofort widerrufen, "
		"und Ihre Software kann sich mit diesem Speicher nicht mehr "
		"anmelden. Danach können Sie einen neuen beantragen." },
	[I18N_DEACT_REASON] = {
		"Pourquoi désactivez-vous ce magasin ?",
		"Why are you deactivating this store?",
		"Warum deaktivieren Sie diesen Speicher?" },
	[I18N_REASON_CESSATION] = {
		"Je n’en ai plus besoin", "I no longer need it",
		"Ich brauche ihn nicht mehr" },
	[I18N_REASON_UNSPECIFIED] = {
		"J’ai perdu le fichier ou le mot de passe",
		"I lost the file or the password",
		"Ich habe die Datei oder das Passwort verloren" },
	[I18N_REASON_AFFILIATION] = {
		"Mes informations ont changé", "My details have changed",
		"Meine Angaben haben sich geändert" },
	[I18N_REASON_COMPROMISE] = {
		"Le fichier ou le mot de passe a pu être vu par quelqu’un "
		"d’autre",
		"Someone else may have seen the file or the password",
		"Jemand anderes könnte die Datei oder das Passwort gesehen "
		"haben" },
	[I18N_DEACT_CONFIRM] = {
		"Je comprends que c’est définitif",
		"I understand this is final",
		"Ich verstehe, dass dies endgültig ist" },
	[I18N_DEACT_SUBMIT] = {
		"Désactiver définitivement", "Deactivate for good",
		"Endgültig deaktivieren" },
	[I18N_DEACT_MISSING] = {
		"Choisissez un motif et cochez la case de confirmation.",
		"Choose a reason and tick the confirmation box.",
		"Wählen Sie einen Grund und kreuzen Sie die Bestätigung an." },
	[I18N_DEACT_NONE] = {
		"Vous n’avez pas de magasin actif à désactiver.",
		"You have no active store to deactivate.",
		"Sie haben keinen aktiven Speicher zum Deaktivieren." },

	/* FAQ */
	[I18N_FAQ_TITLE] = {
		"Questions fréquentes", "Frequently asked questions",
		"Häufige Fragen" },
	[I18N_FAQ_Q1] = {
		"Qu’est-ce qu’un magasin de certificats ?",
		"What is a certificate store?",
		"Was ist ein Zertifikatsspeicher?" },
	[I18N_FAQ_A1] = {
		"Un fichier .p12 (PKCS#12) qui contient une clé privée créée "
		"pour vous et le certificat qui l’associe à votre eHealthID. "
		"Votre logiciel professionnel s’en sert pour prouver votre "
		"identité aux services de la plateforme e-santé. Il est "
		"protégé par un mot de passe affiché une seule fois.",
		"A .p12 (PKCS#12) file holding a private key made for you and "
		"the certificate that ties it to your eHealthID. Your "
		"professional software uses it to prove who you are to the "
		"services of the e-health platform. It is protected by a "
		"password shown only once.",
		"Eine .p12-Datei (PKCS#12) mit einem für Sie erzeugten "
		"privaten Schlüssel und dem Zertifikat, das ihn mit Ihrer "
		"eHealthID verbindet. Ihre Praxissoftware weist damit Ihre "
		"Identität gegenüber den Diensten der E-Health-Plattform "
		"nach. Er ist durch ein nur einmal angezeigtes Passwort "
		"geschützt." },
	[I18N_FAQ_Q2] = {
		"Comment l’installer ?", "How do I install it?",
		"Wie installiere ich ihn?" },
	[I18N_FAQ_A2] = {
		"Dans votre logiciel professionnel, cherchez l’importation "
		"d’un certificat ou d’un fichier .p12 (souvent dans les "
		"paramètres de connexion ou de sécurité), choisissez le "
		"fichier téléchargé et saisissez son mot de passe. Sous "
		"Windows, un double clic sur le fichier lance aussi "
		"l’assistant d’importation.",
		"In your professional software, look for importing a "
		"certificate or a .p12 file (often in the connection or "
		"security settings), choose the downloaded file and enter its "
		"password. On Windows, double-clicking the file also starts "
		"the import wizard.",
		"Suchen Sie in Ihrer Praxissoftware den Import eines "
		"Zertifikats oder einer .p12-Datei (oft in den Verbindungs- "
		"oder Sicherheitseinstellungen), wählen Sie die "
		"heruntergeladene Datei und geben Sie ihr Passwort ein. Unter "
		"Windows startet ein Doppelklick auf die Datei auch den "
		"Importassistenten." },
	[I18N_FAQ_Q3] = {
		"J’ai perdu le mot de passe ou le fichier",
		"I lost the password or the file",
		"Ich habe das Passwort oder die Datei verloren" },
	[I18N_FAQ_A3] = {
		"Ni l’un ni l’autre ne peut être retrouvé : ils ne sont "
		"conservés nulle part. Désactivez le magasin depuis "
		"l’accueil (motif : fichier ou mot de passe perdu), puis "
		"demandez-en un nouveau ; chaque demande crée un nouveau "
		"magasin.",
		"Neither can be recovered: they are kept nowhere. Deactivate "
		"the store from the home page (reason: lost the file or the "
		"password), then request a new one; every request makes a new "
		"store.",
		"Beides lässt sich nicht wiederherstellen: Es wird nirgends "
		"aufbewahrt. Deaktivieren Sie den Speicher auf der Startseite "
		"(Grund: Datei oder Passwort verloren) und beantragen Sie "
		"einen neuen; jeder Antrag erzeugt einen neuen Speicher." },
	[I18N_FAQ_Q4] = {
		"Mon certificat va expirer", "My certificate will expire soon",
		"Mein Zertifikat läuft bald ab" },
	[I18N_FAQ_A4] = {
		"La date d’expiration figure sur la page d’accueil, et un "
		"e-mail vous le rappelle avant l’échéance. Pendant les "
		"derniers jours, l’accueil propose « Renouveler » : vous "
		"recevez un nouveau magasin pendant que l’ancien reste "
		"valable. Une fois le nouveau installé, confirmez-le sur "
		"l’accueil ; l’ancien est alors désactivé (sinon, "
		"automatiquement après un délai de transition).",
		"The expiry date is on the home page, and an email reminds "
		"you before it. During the last days, home offers “Renew”: "
		"you get a new store while the old one stays valid. Once the "
		"new one is installed, confirm it on home; the old one is "
		"then deactivated (otherwise automatically after a "
		"transition period).",
		"Das Ablaufdatum steht auf der Startseite, und eine E-Mail "
		"erinnert Sie vorher daran. In den letzten Tagen bietet die "
		"Startseite „Erneuern“ an: Sie erhalten einen neuen "
		"Speicher, während der alte gültig bleibt. Sobald der neue "
		"installiert ist, bestätigen Sie es auf der Startseite; der "
		"alte wird dann deaktiviert (sonst automatisch nach einer "
		"Übergangsfrist)." },
	[I18N_FAQ_Q5] = {
		"Mes nom, prénom ou profession sont faux",
		"My name or profession is wrong",
		"Mein Name oder Beruf ist falsch" },
	[I18N_FAQ_A5] = {
		"Ces informations viennent du registre des professionnels de "
		"santé. Demandez-lui la correction ; une fois faite, "
		"désactivez votre magasin (motif : informations changées) et "
		"demandez-en un nouveau.",
		"These details come from the professional registry. Ask it to "
		"correct them; once done, deactivate your store (reason: "
		"details changed) and request a new one.",
		"Diese Angaben stammen aus dem Berufsregister. Lassen Sie sie "
		"dort korrigieren; danach deaktivieren Sie Ihren Speicher "
		"(Grund: Angaben geändert) und beantragen einen neuen." },
	[I18N_FAQ_Q6] = {
		"Qui contacter ?", "Who can I contact?",
		"An wen wende ich mich?" },
	[I18N_FAQ_A6] = {
		"Pour votre compte ou la connexion : l’assistance du portail "
		"e-santé. Pour vos données professionnelles : le registre des "
		"professionnels de santé. Pour installer le fichier : "
		"l’éditeur de votre logiciel. Personne ne vous demandera "
		"jamais votre code ni votre mot de passe.",
		"For your account or signing in: the e-health portal "
		"helpdesk. For your professional data: the professional "
		"registry. For installing the file: your software vendor. "
		"Nobody will ever ask you for your code or your password.",
		"Für Ihr Konto oder die Anmeldung: der Support des "
		"E-Health-Portals. Für Ihre beruflichen Daten: das "
		"Berufsregister. Für die Installation der Datei: der "
		"Hersteller Ihrer Software. Niemand wird Sie je nach Ihrem "
		"Code oder Passwort fragen." },

	/* errors */
	[I18N_ERROR_CODE] = { "Erreur {}", "Error {}", "Fehler {}" },
	[I18N_E400_TITLE] = {
		"Demande incorrecte", "Bad request", "Ungültige Anfrage" },
	[I18N_E400_TEXT] = {
		"Votre navigateur a envoyé une demande que le service ne "
		"comprend pas. Revenez à l’accueil et recommencez.",
		"Your browser sent a request the service does not understand. "
		"Go back to the home page and try again.",
		"Ihr Browser hat eine Anfrage gesendet, die der Dienst nicht "
		"versteht. Kehren Sie zur Startseite zurück und versuchen Sie "
		"es erneut." },
	[I18N_E403_TITLE] = {
		"Demande refusée", "Request refused", "Anfrage abgelehnt" },
	[I18N_E403_TEXT] = {
		"Cette demande n’a pas été reconnue comme venant de cette "
		"page (formulaire trop ancien ou ouvert ailleurs). Rien n’a "
		"été modifié. Rechargez la page et recommencez.",
		"This request was not recognised as coming from this page "
		"(an old form, or one opened elsewhere). Nothing was changed. "
		"Reload the page and try again.",
		"Diese Anfrage wurde nicht als von dieser Seite kommend "
		"erkannt (ein altes oder anderswo geöffnetes Formular). Es "
		"wurde nichts geändert. Laden Sie die Seite neu und "
		"versuchen Sie es erneut." },
	[I18N_E404_TITLE] = {
		"Page introuvable", "Page not found",
		"Seite nicht gefunden" },
	[I18N_E404_TEXT] = {
		"Cette adresse ne correspond à aucune page du service.",
		"This address does not match any page of the service.",
		"Diese Adresse entspricht keiner Seite des Dienstes." },
	[I18N_E405_TITLE] = {
		"Action non permise", "Action not allowed",
		"Aktion nicht erlaubt" },
	[I18N_E405_TEXT] = {
		"Cette page ne s’utilise pas de cette façon. Revenez à "
		"l’accueil.",
		"This page cannot be used that way. Go back to the home page.",
		"Diese Seite kann so nicht verwendet werden. Kehren Sie zur "
		"Startseite zurück." },
	[I18N_E410_TITLE] = {
		"Téléchargement terminé", "Download closed",
		"Download beendet" },
	[I18N_E410_TEXT] = {
		"Le fichier n’est plus disponible : le délai de "
		"téléchargement est passé ou il a été demandé depuis un autre "
		"navigateur. Désactivez le magasin et demandez-en un nouveau "
		"si vous n’avez pas le fichier.",
		"The file is no longer available: the download window has "
		"passed or it was asked for from another browser. Deactivate "
		"the store and request a new one if you do not have the "
		"file.",
		"Die Datei ist nicht mehr verfügbar: Die Downloadfrist ist "
		"abgelaufen oder sie wurde aus einem anderen Browser "
		"angefordert. Deaktivieren Sie den Speicher und beantragen "
		"Sie einen neuen, falls Sie die Datei nicht haben." },
	[I18N_E413_TITLE] = {
		"Envoi trop volumineux", "Too much data sent",
		"Zu viele Daten gesendet" },
	[I18N_E413_TEXT] = {
		"Le formulaire envoyé dépasse la taille permise. Rien n’a été "
		"modifié.",
		"The form sent is larger than allowed. Nothing was changed.",
		"Das gesendete Formular ist größer als erlaubt. Es wurde "
		"nichts geändert." },
	[I18N_E415_TITLE] = {
		"Format non accepté", "Format not accepted",
		"Format nicht akzeptiert" },
	[I18N_E415_TEXT] = {
		"Le service n’accepte que les formulaires de ses propres "
		"pages. Rien n’a été modifié.",
		"The service accepts only the forms of its own pages. Nothing "
		"was changed.",
		"Der Dienst akzeptiert nur die Formulare seiner eigenen "
		"Seiten. Es wurde nichts geändert." },
	[I18N_E429_TITLE] = {
		"Trop de demandes", "Too many requests", "Zu viele Anfragen" },
	[I18N_E429_TEXT] = {
		"Trop de demandes ont été faites en peu de temps. Attendez "
		"quelques minutes, puis recommencez.",
		"Too many requests were made in a short time. Wait a few "
		"minutes, then try again.",
		"In kurzer Zeit wurden zu viele Anfragen gestellt. Warten Sie "
		"einige Minuten und versuchen Sie es dann erneut." },
	[I18N_E500_TITLE] = {
		"Erreur du service", "Service error", "Fehler des Dienstes" },
	[I18N_E500_TEXT] = {
		"Un problème imprévu est survenu. Rien n’a été délivré à "
		"moitié. Réessayez dans quelques minutes ; si cela continue, "
		"contactez l’assistance du portail.",
		"Something unexpected went wrong. Nothing was half-issued. "
		"Try again in a few minutes; if it goes on, contact the "
		"portal helpdesk.",
		"Ein unerwarteter Fehler ist aufgetreten. Es wurde nichts "
		"halb ausgestellt. Versuchen Sie es in einigen Minuten "
		"erneut; hält das an, wenden Sie sich an den Support des "
		"Portals." },
	[I18N_E503_TITLE] = {
		"Service momentanément indisponible",
		"Service unavailable for now",
		"Dienst vorübergehend nicht verfügbar" },
	[I18N_E503_TEXT] = {
		"Le service ne peut pas traiter votre demande pour le moment. "
		"Rien n’a été modifié. Réessayez dans quelques minutes.",
		"The service cannot handle your request right now. Nothing "
		"was changed. Try again in a few minutes.",
		"Der Dienst kann Ihre Anfrage gerade nicht bearbeiten. Es "
		"wurde nichts geändert. Versuchen Sie es in einigen Minuten "
		"erneut." },

	/* development portal */
	[I18N_DEV_TITLE] = {
		"Portail de développement", "Development portal",
		"Entwicklungsportal" },
	[I18N_DEV_INTRO] = {
		"Page de développement uniquement. Chaque personne fictive "
		"ouvre une session avec une assertion fraîche signée par la "
		"clé de développement du portail.",
		"For development only. Each test persona signs in with a fresh "
		"assertion signed by the development portal key.",
		"Nur für die Entwicklung. Jede Testperson meldet sich mit "
		"einer frischen, mit dem Entwicklungsschlüssel des Portals "
		"signierten Zusicherung an." },
	[I18N_DEV_SIGN_IN] = {
		"Se connecter", "Sign in", "Anmelden" },
};

static const char *const codes[I18N_LANG_COUNT] = { "fr", "en", "de" };
static const char *const names[I18N_LANG_COUNT] = {
	"Français", "English", "Deutsch"
};

static const char *const months[I18N_LANG_COUNT][12] = {
	{ "janvier", "février", "mars", "avril", "mai", "juin", "juillet",
	  "août", "septembre", "octobre", "novembre", "décembre" },
	{ "January", "February", "March", "April", "May", "June", "July",
	  "August", "September", "October", "November", "December" },
	{ "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli",
	  "August", "September", "Oktober", "November", "Dezember" },
};

static int
placeholders(const char *s)
{
	int n = 0;

	while ((s = strstr(s, "{}")) != NULL) {
		n++;
		s += 2;
	}
	return n;
}

int
i18n_check(enum i18n_id *missing)
{
	size_t i;

	for (i = 0; i < I18N_ID_COUNT; i++) {
		const struct text *t = &texts[i];

		if (t->fr == NULL || t->en == NULL || t->de == NULL ||
		    t->fr[0] == '\0' || t->en[0] == '\0' || t->de[0] == '\0' ||
		    placeholders(t->fr) > 1 ||
		    placeholders(t->fr) != placeholders(t->en) ||
		    placeholders(t->fr) != placeholders(t->de)) {
			*missing = (enum i18n_id)i;
			return -1;
		}
	}
	return 0;
}

const char *
i18n_get(enum i18n_lang lang, enum i18n_id id)
{
	const struct text *t;
	const char *s;

	if ((unsigned)id >= I18N_ID_COUNT) {
		return "";
	}
	t = &texts[id];
	switch (lang) {
	case I18N_EN:
		s = t->en;
		break;
	case I18N_DE:
		s = t->de;
		break;
	default:
		s = t->fr;
		break;
	}
	return s != NULL ? s : (t->fr != NULL ? t->fr : "");
}

const char *
i18n_code(enum i18n_lang lang)
{
	return (unsigned)lang < I18N_LANG_COUNT ? codes[lang] : codes[0];
}

const char *
i18n_name(enum i18n_lang lang)
{
	return (unsigned)lang < I18N_LANG_COUNT ? names[lang] : names[0];
}

int
i18n_from_code(const char *code, enum i18n_lang *out)
{
	size_t i;

	for (i = 0; code != NULL && i < I18N_LANG_COUNT; i++) {
		if (strcmp(code, codes[i]) == 0) {
			*out = (enum i18n_lang)i;
			return 0;
		}
	}
	return -1;
}

enum i18n_lang
i18n_choose(const char *cookie, const char *accept_language)
{
	enum i18n_lang lang;

	if (i18n_from_code(cookie, &lang) == 0) {
		return lang;
	}
	return (enum i18n_lang)form_accept_language(accept_language, codes,
						    I18N_LANG_COUNT, I18N_FR);
}

void
i18n_date(enum i18n_lang lang, time_t t, char *out, size_t n)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL) {
		snprintf(out, n, "?");
		return;
	}
	if ((unsigned)lang >= I18N_LANG_COUNT) {
		lang = I18N_FR;
	}
	snprintf(out, n, lang == I18N_DE ? "%d. %s %d" : "%d %s %d",
		 tm.tm_mday, months[lang][tm.tm_mon], tm.tm_year + 1900);
}

void
i18n_time(time_t t, char *out, size_t n)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL) {
		snprintf(out, n, "?");
		return;
	}
	snprintf(out, n, "%02d:%02d", tm.tm_hour, tm.tm_min);
}
