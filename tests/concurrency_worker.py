"""One web worker of the concurrency test: its own process, its own connection, many people."""

import json
import os
import sys
import xml.etree.ElementTree as ET

from bot import create_app

database, worker, people = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
app = create_app({"TESTING": True, "DATABASE": database, "SECRET_KEY": "k",
                  "VALIDATE_TWILIO_SIGNATURE": False, "OUTBOX_PATH": database + ".out"},
                 instance_path=os.path.dirname(database))
client = app.test_client()
statuses, errors = [], 0
steps = ("hola", "1", "Ana", "tijuana", "15/3/2027", "8:30", "4:30", "no", "1")
for step_number, body in enumerate(steps):
    for person in range(people):   # interleave people, as real traffic does
        form = {"From": f"whatsapp:+52166{worker:02d}{person:06d}", "Body": body,
                "MessageSid": f"SM{worker:010d}{person:012d}{step_number:010d}"}   # SM + 32 digits
        response = client.post("/twilio/messages", data=form)
        statuses.append(response.status_code)
        texts = [m.text or "" for m in ET.fromstring(response.data).iter("Message")]
        errors += any("tuvimos un problema" in t for t in texts)
print(json.dumps({"statuses": sorted(set(statuses)), "errors": errors, "sent": len(statuses)}))
