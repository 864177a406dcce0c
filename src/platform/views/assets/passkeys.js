// Passkeys need the browser's WebAuthn API: this script shows the passkey
// buttons (hidden without JavaScript) and, when one is used, asks the browser
// for the credential and sends it with the ordinary form.
/* global document */
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from './simplewebauthn/index.js';

if (browserSupportsWebAuthn()) {
  for (const section of document.querySelectorAll('[data-passkey]')) {
    const form = section.querySelector('form');
    const error = section.querySelector('[data-passkey-error]');
    if (!form) continue;
    section.hidden = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (error) error.hidden = true;
      try {
        const optionsJSON = JSON.parse(section.dataset.options);
        const result = section.dataset.passkey === 'register'
          ? await startRegistration({ optionsJSON })
          : await startAuthentication({ optionsJSON });
        form.querySelector('input[name="credential"]').value = JSON.stringify(result);
        form.submit();
      } catch {
        if (error) error.hidden = false;
      }
    });
  }
}
