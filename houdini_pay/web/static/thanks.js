// The confirmation page: focus moves to its heading, so a screen reader announces the outcome
// first and the keyboard starts from there.
const heading = document.querySelector("h1[tabindex]");
if (heading) heading.focus();
