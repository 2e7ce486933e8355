"""The OCR wrapper and `flask --app bot read-notice`: offline, and what it prints."""

from __future__ import annotations

import socket
from datetime import UTC, datetime

from notice_pictures import notice

from bot import ocr


def test_reading_a_photo_reaches_no_network(monkeypatch):
    tried = []

    def refuse(*args, **kwargs):
        tried.append(args)
        raise OSError("no network in this test")

    for name in ("connect", "connect_ex", "sendto"):
        monkeypatch.setattr(socket.socket, name, refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(ocr, "_engine", None)   # the models are loaded inside the guard too
    sheet = notice(1, datetime.now(UTC).date(), layout="tear_sheet", plain=True)
    lines = ocr.read_lines(sheet.jpeg)
    assert any(sheet.day.strftime("%Y") in line.text for line in lines)
    assert tried == []


def test_read_notice_prints_the_fields_and_their_confidence(runner, tmp_path):
    sheet = notice(1, datetime.now(UTC).date(), layout="tear_sheet", plain=True)
    photo = tmp_path / "sheet.jpg"
    photo.write_bytes(sheet.jpeg)
    result = runner.invoke(args=["read-notice", str(photo)])
    assert result.exit_code == 0, result.output
    assert f"date         {sheet.day.isoformat()} ({sheet.day.strftime('%A')})  confidence" in result.output
    assert f"time         {sheet.clock}  confidence" in result.output
    assert f"a_number     {sheet.a_number}  confidence" in result.output


def test_read_notice_on_a_file_that_is_no_image_says_so(runner, tmp_path):
    paper = tmp_path / "notes.txt"
    paper.write_text("Hearing Date: 03/04/2027")
    result = runner.invoke(args=["read-notice", str(paper)])
    assert result.exit_code == 1 and "not an image" in result.output
