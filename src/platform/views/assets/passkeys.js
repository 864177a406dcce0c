// Passkeys need the browser's WebAuthn API: this script shows the passkey
// buttons (hidden without JavaScript) and, when one is used, asks the browser
// for the credential and sends it with the ordinary form. It runs after
// @simplewebauthn/browser's bundle (both deferred, in order).
/* global document, window */
(function () {
  var lib = window.SimpleWebAuthnBrowser;
  if (!lib || !lib.browserSupportsWebAuthn()) return;
  document.querySelectorAll('[data-passkey]').forEach(function (section) {
    var form = section.querySelector('form');
    var error = section.querySelector('[data-passkey-error]');
    if (!form) return;
    section.hidden = false;
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      if (error) error.hidden = true;
      var optionsJSON = JSON.parse(section.dataset.options);
      var ask = section.dataset.passkey === 'register' ? lib.startRegistration({ optionsJSON: optionsJSON }) : lib.startAuthentication({ optionsJSON: optionsJSON });
      ask.then(function (result) {
        form.querySelector('input[name="credential"]').value = JSON.stringify(result);
        form.submit();
      }, function () {
        if (error) error.hidden = false;
      });
    });
  });
})();
