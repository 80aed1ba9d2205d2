// Imports: a progress bar while the file uploads, and a busy button while the import runs.
(function () {
  "use strict";

  var upload = document.getElementById("import-upload");
  if (upload && window.XMLHttpRequest && window.FormData) {
    upload.addEventListener("submit", function (event) {
      var input = upload.querySelector("input[type=file]");
      if (!input || !input.files || !input.files.length) {
        return; // let the server say what is missing
      }
      event.preventDefault();
      var progress = document.getElementById("import-progress");
      var bar = progress.querySelector(".progress-bar");
      var reading = document.getElementById("import-reading");
      var button = upload.querySelector("[type=submit]");
      button.disabled = true;
      progress.classList.remove("d-none");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", upload.action);
      xhr.upload.addEventListener("progress", function (e) {
        if (e.lengthComputable) {
          var percent = Math.round((e.loaded / e.total) * 100);
          bar.style.width = percent + "%";
          bar.textContent = percent + "%";
          progress.setAttribute("aria-valuenow", String(percent));
        }
      });
      xhr.upload.addEventListener("load", function () {
        reading.classList.remove("d-none");
      });
      xhr.addEventListener("load", function () {
        if (xhr.responseURL && xhr.responseURL.indexOf("token=") !== -1) {
          window.location.assign(xhr.responseURL); // the preview
        } else {
          // The form again, with the reason next to the file field.
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        upload.submit();
      });
      xhr.send(new FormData(upload));
    });
  }

  var confirmForm = document.getElementById("confirm-form");
  if (confirmForm) {
    confirmForm.addEventListener("submit", function () {
      var button = confirmForm.querySelector("[type=submit]");
      // Disabled after the submit is under way, so the browser still sends the form once.
      window.setTimeout(function () {
        button.disabled = true;
        button.textContent = confirmForm.getAttribute("data-busy");
      }, 0);
    });
  }
})();
