// The REST API (docs/protocol.md): model upload, default model, reading a drawn digit,
// the student's saved examples.
// Each call resolves to the parsed JSON body or rejects with an ApiError carrying the
// server's {"error": {"code", "message"}}.

import { apiUrl } from "./protocol.js";

export class ApiError extends Error {
  constructor(code, message, status) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

export class Api {
  constructor(token) {
    this.token = token;
  }

  async request(method, path, body, headers = {}) {
    let response;
    try {
      response = await fetch(apiUrl(path, this.token), { method, body, headers, credentials: "same-origin" });
    } catch (_err) {
      throw new ApiError("network", "The server cannot be reached; is digit-classifier serve running?", 0);
    }
    let data = null;
    try {
      data = await response.json();
    } catch (_err) {
      data = null;
    }
    if (!response.ok) {
      const err = (data && data.error) || {};
      throw new ApiError(
        err.code || `http_${response.status}`,
        err.message || `The server answered ${response.status} ${response.statusText}.`,
        response.status,
      );
    }
    return data;
  }

  /** Uploads an .onnx File as multipart field `file`; resolves to the server's answer (the spec). */
  uploadModel(file) {
    const form = new FormData();
    form.append("file", file, file.name);
    return this.request("POST", "/api/model", form);
  }

  /** A second model, read beside the model in use on the same frames (`comparison` messages). */
  uploadSecondModel(file) {
    const form = new FormData();
    form.append("file", file, file.name);
    return this.request("POST", "/api/second-model", form);
  }

  removeSecondModel() {
    return this.request("DELETE", "/api/second-model");
  }

  useDefaultModel() {
    return this.request("POST", "/api/model/default");
  }

  /** Posts a PNG Blob of the drawing pad; resolves to {prediction, percentages, box}. */
  readDigit(pngBlob) {
    return this.request("POST", "/api/digit", pngBlob, { "Content-Type": "image/png" });
  }

  cameras() {
    return this.request("GET", "/api/cameras");
  }

  /** The examples saved with "Save this digit": {folder, total, counts, labels, pixels}. */
  examples() {
    return this.request("GET", "/api/examples");
  }

  /** Saves 784 grey bytes (the model's 28x28 input) as an example of `label`; resolves to the set. */
  saveExample(label, pixels) {
    const body = JSON.stringify({ label, pixels: btoa(String.fromCharCode(...pixels)) });
    return this.request("POST", "/api/examples", body, { "Content-Type": "application/json" });
  }

  /** Deletes the `index`-th example, only if it is still an example of `label`. */
  deleteExample(index, label) {
    return this.request("DELETE", `/api/examples/${index}?label=${label}`);
  }
}
