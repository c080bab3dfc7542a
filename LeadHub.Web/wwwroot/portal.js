// The sign-in form sends the browser's time zone: a user's default zone on first sign-in.
document.addEventListener('submit', e => {
    const field = e.target.querySelector && e.target.querySelector('input[name="Input.TimeZone"]');
    if (field) field.value = Intl.DateTimeFormat().resolvedOptions().timeZone || '';
}, true);
