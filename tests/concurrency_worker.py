"""One web worker of the concurrency test: its own process, its own connection, many people."""

import json
import os
import sys
import xml.etree.ElementTree as ET

from conftest import Pick, typed

from bot import create_app

database, worker, people = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
app = create_app({"TESTING": True, "DATABASE": database, "SECRET_KEY": "k",
                  "VALIDATE_TWILIO_SIGNATURE": False, "OUTBOX_PATH": database + ".out"},
                 instance_path=os.path.dirname(database))
client = app.test_client()
statuses, errors = [], 0
steps = ("hola", Pick("Guardar una audiencia"), "Ana", "tijuana", "15/3/2027", "8:30", "4:30", "no",
         Pick("Sí, guardar"))
last = [""] * people   # each person's last reply, where a Pick finds its option's number
for step_number, step in enumerate(steps):
    for person in range(people):   # interleave people, as real traffic does
        form = {"From": f"whatsapp:+52166{worker:02d}{person:06d}", "Body": typed(last[person], step),
                "MessageSid": f"SM{worker:010d}{person:012d}{step_number:010d}"}   # SM + 32 digits
        response = client.post("/twilio/messages", data=form)
        statuses.append(response.status_code)
        texts = [m.text or "" for m in ET.fromstring(response.data).iter("Message")]
        last[person] = "\n\n".join(texts)
        errors += any("tuvimos un problema" in t for t in texts)
print(json.dumps({"statuses": sorted(set(statuses)), "errors": errors, "sent": len(statuses)}))
