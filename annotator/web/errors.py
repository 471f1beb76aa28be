"""Every error answer: JSON for the API and the pages' JSON twins, an HTML page otherwise."""
from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import BadRequest, HTTPException

CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
         405: "method_not_allowed", 409: "conflict", 413: "too_large", 429: "rate_limited"}


class InputError(BadRequest):
    """A 400 with the machine-readable code of its JSON body ("invalid_filter", ...): raised
    wherever a request's input is refused, page or API alike."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.error_code = code


def wants_json() -> bool:
    """API paths, a page's JSON twin (?format=json) and clients that ask for JSON."""
    return (request.path.startswith("/api/") or request.args.get("format") == "json"
            or request.accept_mimetypes.best == "application/json")


def error_json(code: str, message: str) -> dict:
    """The JSON body of every API error."""
    return {"error": {"code": code, "message": message}}


def error_response(status: int, code: str, message: str):
    if wants_json():
        return jsonify(error_json(code, message)), status
    return render_template("error.html", status=status, message=message), status


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return error_response(400, "csrf_failed", err.description)

    @app.errorhandler(HTTPException)
    def http_error(err):
        message = err.description
        code = getattr(err, "error_code", None) or CODES.get(err.code, "error")
        return error_response(err.code or 500, code, message)
