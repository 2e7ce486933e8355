"""The baseline: a bare Flask app that answers every webhook with the same TwiML."""

from flask import Flask, Response

app = Flask(__name__)
TWIML = ('<?xml version="1.0" encoding="UTF-8"?><Response><Message>Hola, le escribe '
         'Mi Audiencia.</Message></Response>')


@app.post("/twilio/messages")
def messages() -> Response:
    return Response(TWIML, mimetype="text/xml")
