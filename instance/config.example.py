# Copy to instance/config.py and fill in. Environment variables of the same names override these.
# Never commit instance/config.py: it holds secrets.

# Twilio credentials. With none of them the bot runs with the dry-run sender (instance/outbox.jsonl);
# with some but not all (and PUBLIC_BASE_URL), it refuses to start. SENDER = "dry_run" keeps the outbox.
# TWILIO_ACCOUNT_SID = "ACxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
# TWILIO_AUTH_TOKEN = "..."
# TWILIO_SMS_FROM = "+1..."
# TWILIO_WHATSAPP_FROM = "whatsapp:+1..."
# TWILIO_MESSAGING_SERVICE_SID = "MG..."

# The https origin Twilio calls. Required: without it the webhook refuses every request.
# PUBLIC_BASE_URL = "https://bot.example.org"

# A long random string; generated into instance/secret_key when unset.
# SECRET_KEY = "..."
