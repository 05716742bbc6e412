"""A person's data goes to that person only: /dataku, the JSON export, the calendar and cancel
buttons act for whoever presses them, whatever data a modified client puts in the button."""

from __future__ import annotations

import pytest

from gedsi_bot.domain.model import RegistrationStatus
from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient
from gedsi_bot.services import registration as service
from tests.e2e.harness import WAIT, BotHarness, Person

pytestmark = pytest.mark.slow


async def test_a_stranger_gets_nothing_of_someone_elses_data(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    session = bot.publish("K12")
    siti = await Person.create(client, "Siti")
    await siti.register("K12", name="Siti Aminah", institution="Posyandu Melati")
    mine = await siti.command("dataku")
    assert "Posyandu Melati" in mine.text

    stranger = await Person.create(client, "Budi")
    await stranger.start()
    his = await stranger.command("dataku")
    # The buttons Siti has, pressed by a modified client in the stranger's own chat.
    for data in ("export:yes", f"ics:{session.id}", f"cxl:{session.id}", f"cxlok:{session.id}"):
        press = await client.press_button(stranger.id, his.message_id, data=data, forged=True)
        assert press.callback_query_id is not None
        await client.wait_for_callback_answer(press.callback_query_id, timeout=WAIT)
    stranger.seen = (await client.events(stranger.id))[-1].seq
    await stranger.command("bantuan")  # one person's updates run in order: the presses are done

    assert f"ID Telegram: {stranger.id}" in his.text
    received = await client.messages(stranger.id)
    files = [await stranger.download(m) for m in received if m.document is not None]
    assert [m.document["file_name"] for m in received if m.document] == ["data-saya.json"]
    assert str(stranger.id).encode() in files[0]
    assert not any(b"Siti" in content or b"Posyandu" in content for content in files)
    assert not any("Siti Aminah" in m.text or "Posyandu" in m.text for m in received)
    held = service.registration_for(bot.services, telegram_user_id=siti.id, session_id=session.id)
    assert held is not None
    assert held.status is RegistrationStatus.REGISTERED
