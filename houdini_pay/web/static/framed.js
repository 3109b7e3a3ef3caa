// A donor page opened in a frame (the overlay of /embed.js on a nonprofit's own site): the
// host page cannot hear keys pressed in here, so Escape asks it to close the overlay.
if (window.parent !== window) {
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.defaultPrevented) {
      window.parent.postMessage({ houdiniPay: "close" }, "*");
    }
  });
}
