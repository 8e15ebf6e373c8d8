// Passkey ceremonies on Foyer's hosted pages (ADR 0030), served as a static file so the pages' CSP
// allows scripts from this server only. The pages render without it; this script shows the passkey
// buttons where the browser can use passkeys, runs the ceremony with @simplewebauthn/browser (served
// beside it as webauthn.js), and posts the browser's answer in the form the button belongs to.
//   form[data-passkey-signin]   sign in: the button, and the passkey autofill on the email field
//   form[data-passkey-assert]   the second-factor step: one of the customer's passkeys
//   form[data-passkey-register] create a passkey (the portal, the offer after a sign-in)
(function () {
  'use strict';
  // Scripts run: the note that passkeys need them goes, whether or not this browser has passkeys.
  Array.prototype.forEach.call(document.querySelectorAll('[data-passkey-needs-script]'), function (element) {
    element.hidden = true;
  });
  var lib = window.SimpleWebAuthnBrowser;
  if (!lib || !lib.browserSupportsWebAuthn()) return;

  // A hint for the server: this browser can make a passkey here, so "sign in faster next time" is worth offering.
  if (!/(^|;\s*)foyer_passkey=/.test(document.cookie) && window.PublicKeyCredential && PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable) {
    PublicKeyCredential.isUserVerifyingPlatformAuthenticatorAvailable().then(function (available) {
      if (available) document.cookie = 'foyer_passkey=capable; path=/; max-age=31536000; samesite=lax' + (location.protocol === 'https:' ? '; secure' : '');
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll('[data-passkey-js]'), function (element) {
    element.hidden = false;
  });

  function post(form, field, answer) {
    form.querySelector('input[name="' + field + '"]').value = JSON.stringify(answer);
    form.submit();
  }

  function failed(form, error) {
    // The autofill request is cancelled whenever a button starts a ceremony: nothing to say then.
    if (error && error.name === 'AbortError') return;
    var alert = form.querySelector('[data-passkey-error]');
    if (alert) alert.hidden = false;
  }

  function onClick(form, run) {
    var button = form.querySelector('button[data-passkey-js]');
    if (button) button.addEventListener('click', function (event) {
      event.preventDefault();
      run();
    });
  }

  function requestOptions(form, allow) {
    return { challenge: form.dataset.challenge, rpId: form.dataset.rpId, userVerification: 'required', timeout: 300000, allowCredentials: allow };
  }

  var signIn = document.querySelector('form[data-passkey-signin]');
  if (signIn) {
    onClick(signIn, function () {
      lib.startAuthentication({ optionsJSON: requestOptions(signIn, []) }).then(function (answer) { post(signIn, 'response', answer); }, function (error) { failed(signIn, error); });
    });
    // Conditional UI: the browser offers the customer's passkeys in the email field's autofill.
    lib.browserSupportsWebAuthnAutofill().then(function (supported) {
      if (!supported) return;
      lib.startAuthentication({ optionsJSON: requestOptions(signIn, []), useBrowserAutofill: true }).then(function (answer) { post(signIn, 'response', answer); }, function () {});
    });
  }

  var assert = document.querySelector('form[data-passkey-assert]');
  if (assert) {
    onClick(assert, function () {
      var allow = JSON.parse(assert.dataset.allow || '[]');
      lib.startAuthentication({ optionsJSON: requestOptions(assert, allow) }).then(function (answer) { post(assert, 'code', answer); }, function (error) { failed(assert, error); });
    });
  }

  var register = document.querySelector('form[data-passkey-register]');
  if (register) {
    onClick(register, function () {
      lib.startRegistration({ optionsJSON: JSON.parse(register.dataset.options) }).then(function (answer) { post(register, 'response', answer); }, function (error) { failed(register, error); });
    });
  }
})();
