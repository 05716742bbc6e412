"""The participant bot, driven as people drive it: through the Telegram sandbox over HTTP."""

import datetime as dt
import json

import pytest
from icalendar import Calendar
from sqlalchemy import select

from gedsi_bot.sandbox.telegram.client import AsyncSandboxClient
from gedsi_bot.services import registration as service
from gedsi_bot.store.tables import OutboxRow, ParticipantRow, RegistrationRow
from tests.e2e.harness import WAIT, BotHarness, Person
from tests.registration_factories import SESSION_START

pytestmark = pytest.mark.slow

TWO_WEEKS_LATER = SESSION_START + dt.timedelta(days=14)


def registration_rows(bot: BotHarness, session_id: int) -> list[RegistrationRow]:
    with bot.database.read() as db:
        query = select(RegistrationRow).where(RegistrationRow.session_id == session_id)
        return list(db.scalars(query))


async def test_new_person_registers_from_the_flyers_link(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    session = bot.publish("K12")
    siti = await Person.create(client)

    notice = await siti.start("daftar_K12")
    assert "Pemberitahuan privasi" in notice.text
    assert "730 hari" in notice.text
    assert "/hapusdata" in notice.text
    assert notice.button_texts == ["✅ Saya setuju", "Tidak setuju"]

    summary = await siti.fill_adult_form()
    assert "Nama: Siti Aminah" in summary.text
    assert "Tempat tinggal: Kel. Ketapang, Kec. Kademangan" in summary.text

    confirmation = await siti.confirm()
    assert "Pendaftaran berhasil" in confirmation.text
    assert "Kamis, 10 Desember 2026 pukul 09.00 WIB" in confirmation.text
    assert "Meeting ID: 812 3456 7890" in confirmation.text
    assert "gedsi26" in confirmation.text
    assert "https://zoom.us/j/81234567890?pwd=abc&x=1" in confirmation.text
    assert "/batal" in confirmation.text

    calendar_file = (await siti.messages())[-1]
    assert calendar_file.document is not None
    assert calendar_file.document["file_name"] == f"caring-gedsi-{session.number}.ics"
    event = Calendar.from_ical(await siti.download(calendar_file)).walk("VEVENT")[0]
    assert event.decoded("dtstart") == session.starts_at
    assert len(event.walk("VALARM")) == 2

    [row] = registration_rows(bot, session.id)
    assert (row.status, row.sex, row.age_band, row.is_child) == ("registered", "P", "40-44", False)


async def test_session_without_a_meeting_says_the_link_will_follow(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    bot.publish("K12", meeting=False)
    confirmation = await (await Person.create(client)).register("K12")
    assert "Meeting ID dan tautan akan dikirim lewat chat ini" in confirmation.text
    assert "Meeting ID:" not in confirmation.text


async def test_returning_person_registers_again_with_one_tap(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    bot.publish("K12")
    bot.publish("K13", starts_at=TWO_WEEKS_LATER)
    siti = await Person.create(client)
    await siti.register("K12")

    offer = await siti.start("daftar_K13")
    assert "Selamat datang kembali" in offer.text
    assert "Nama: Siti Aminah" in offer.text
    assert offer.button_texts == ["✅ Pakai data sebelumnya", "✏️ Ubah data"]
    confirmation = await siti.confirm("reuse:yes")
    assert "Pendaftaran berhasil" in confirmation.text
    assert "Kamis, 24 Desember 2026" in confirmation.text


async def test_returning_person_can_correct_an_answer_before_registering(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    bot.publish("K12")
    second = bot.publish("K13", starts_at=TWO_WEEKS_LATER)
    siti = await Person.create(client)
    await siti.register("K12")

    await siti.start("daftar_K13")
    menu = await siti.press("reuse:edit")
    assert "Kategori" in menu.button_texts
    await siti.press("edit:category")
    summary = await siti.press("cat:asn")
    assert "Kategori: ASN" in summary.text
    await siti.confirm()
    [row] = registration_rows(bot, second.id)
    assert row.category == "asn"


async def test_minor_registers_with_a_guardians_consent(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    session = bot.publish("K12")
    dika = await Person.create(client, "Dika")
    await dika.start("daftar_K12")
    await dika.press("privacy:yes")
    await dika.say("Dika Pratama")
    await dika.press("sex:L")
    guardian_question = await dika.say("2012")
    assert "orang tua atau wali" in guardian_question.text
    consent_question = await dika.say("Slamet Riyadi")
    assert "Slamet Riyadi" in consent_question.text
    category = await dika.press("gc:yes")
    assert "sebagai apa" in category.text
    await dika.press("cat:pelajar_forum_anak")
    await dika.say("SMPN 2 Probolinggo")
    await dika.press("kel:luar_kota")
    await dika.press("dc:no")
    summary = await dika.press("acc:none")
    assert "Orang tua/wali: Slamet Riyadi (sudah menyetujui)" in summary.text
    assert "Tempat tinggal: Luar Kota Probolinggo" in summary.text
    await dika.confirm()

    [row] = registration_rows(bot, session.id)
    assert (row.is_child, row.age_band, row.disability) == (True, "10-14", None)
    with bot.database.read() as db:
        person = db.scalars(
            select(ParticipantRow).where(ParticipantRow.telegram_user_id == dika.id)
        ).one()
    assert person.guardian_name == "Slamet Riyadi"
    assert person.guardian_consent_at is not None


async def test_teen_turning_18_is_asked_and_without_consent_cannot_go_on(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    bot.publish("K12")
    rina = await Person.create(client, "Rina")
    await rina.start("daftar_K12")
    await rina.press("privacy:yes")
    await rina.say("Rina Wati")
    await rina.press("sex:P")
    question = await rina.say("2008")
    assert "18 tahun" in question.text
    await rina.press("adult:no")
    await rina.say("Sumarni")
    refusal = await rina.press("gc:no")
    assert "Tanpa persetujuan orang tua/wali" in refusal.text
    assert service.find_participant(bot.services, rina.id).full_name is None


async def test_waitlist_and_promotion_when_someone_cancels(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    session = bot.publish("K12", capacity=1)
    ani = await Person.create(client, "Ani")
    budi = await Person.create(client, "Budi")
    await ani.register("K12", name="Ani Lestari")
    waitlisted = await budi.register("K12", name="Budi Santoso", seat=False)
    assert "daftar tunggu urutan ke-1" in waitlisted.text
    assert "Meeting ID" not in waitlisted.text

    choice = await ani.command("batal")
    assert choice.button_texts == [f"❌ Batalkan #{session.number}"]
    confirm = await ani.press(f"cxl:{session.id}")
    assert "Batalkan pendaftaran Anda" in confirm.text
    done = await ani.press(f"cxlok:{session.id}")
    assert "sudah dibatalkan" in done.text

    with bot.database.read() as db:
        [queued] = db.scalars(select(OutboxRow)).all()
    assert (queued.kind, queued.chat_id) == (service.PROMOTION_KIND, budi.id)
    assert {row.status for row in registration_rows(bot, session.id)} == {
        "cancelled",
        "registered",
    }

    await bot.deliver(queued.chat_id, queued.payload)  # as the delivery worker will
    promotion = (await budi.messages())[-1]
    assert "Kabar baik" in promotion.text
    assert "812 3456 7890" in promotion.text
    budi.seen = (await client.events(budi.id))[-1].seq
    calendar_file = await budi.press(f"ics:{session.id}")
    assert calendar_file.document is not None


async def test_cancel_with_nothing_to_cancel_says_so(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    siti = await Person.create(client)
    reply = await siti.command("batal")
    assert "tidak sedang terdaftar" in reply.text


async def test_cancelled_session_shows_in_the_schedule_again(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    session = bot.publish("K12")
    siti = await Person.create(client)
    await siti.register("K12")
    schedule = await siti.command("jadwal")
    assert "Anda sudah terdaftar" in schedule.text
    assert schedule.button_texts == []

    await siti.command("batal")
    await siti.press(f"cxl:{session.id}")
    kept = await siti.press(f"cxlno:{session.id}")
    assert "tetap berlaku" in kept.text
    await siti.command("batal")
    await siti.press(f"cxl:{session.id}")
    await siti.press(f"cxlok:{session.id}")

    schedule = await siti.command("jadwal")
    assert "Sisa kursi: 150" in schedule.text
    assert schedule.button_texts == [f"📝 Daftar #{session.number}"]
    notice = await siti.press(f"daftar:{session.id}")
    assert "Selamat datang kembali" in notice.text


async def test_my_data_shows_everything_held_and_exports_it(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    session = bot.publish("K12")
    siti = await Person.create(client)
    await siti.register("K12", institution="TP PKK <RW 05> & Kader")

    view = await siti.command("dataku")
    assert f"ID Telegram: {siti.id}" in view.text
    assert "Nama: Siti Aminah" in view.text
    assert "Tahun lahir: 1985" in view.text
    assert "Instansi: TP PKK <RW 05> & Kader" in view.text
    assert "Persetujuan privasi: versi 2026-11" in view.text
    assert f"#{session.number}" in view.text
    assert "terdaftar" in view.text
    assert "730 hari" in view.text

    export = await siti.press("export:yes")
    data = json.loads(await siti.download(export))
    assert data["full_name"] == "Siti Aminah"
    assert data["registrations"][0]["status"] == "registered"


async def test_correcting_my_data_updates_upcoming_registrations(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    session = bot.publish("K12")
    siti = await Person.create(client)
    await siti.register("K12")

    summary = await siti.command("ubah")
    assert summary.button_texts == ["✅ Simpan perubahan", "✏️ Ubah jawaban"]
    await siti.press("sum:edit")
    await siti.press("edit:area")
    await siti.press("kec:35.74.03")
    await siti.press("kel:35.74.03.1001")
    saved = await siti.press("sum:yes")
    assert "1 pendaftaran sesi mendatang ikut diperbarui" in saved.text
    [row] = registration_rows(bot, session.id)
    assert row.area_code == "35.74.03.1001"


async def test_deleting_my_data_keeps_only_anonymous_counts(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    session = bot.publish("K12")
    siti = await Person.create(client)
    await siti.register("K12")

    question = await siti.command("hapusdata")
    assert "tidak dapat dibatalkan" in question.text
    kept = await siti.press("del:no")
    assert "tidak dihapus" in kept.text
    await siti.command("hapusdata")
    done = await siti.press("del:yes")
    assert "sudah dihapus" in done.text
    assert "1 pendaftaran" in done.text

    assert service.find_participant(bot.services, siti.id) is None
    [row] = registration_rows(bot, session.id)
    assert (row.status, row.sex, row.category) == ("cancelled", "P", "kader")
    nothing = await siti.command("dataku")
    assert "tidak menyimpan data pribadi" in nothing.text


async def test_restart_in_the_middle_of_a_registration_continues_where_it_was(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    session = bot.publish("K12")
    siti = await Person.create(client)
    await siti.start("daftar_K12")
    await siti.press("privacy:yes")
    await siti.say("Siti Aminah")
    year_question = await siti.press("sex:P")
    assert "Tahun berapa" in year_question.text

    await bot.restart()

    category_question = await siti.say("1985")
    assert "sebagai apa" in category_question.text
    await siti.press("cat:kader")
    await siti.press("inst:none")
    await siti.press("kel:luar_kota")
    await siti.press("dc:no")
    summary = await siti.press("acc:none")
    assert "Nama: Siti Aminah" in summary.text
    assert "Jenis kelamin: Perempuan" in summary.text
    await siti.confirm()
    assert [row.status for row in registration_rows(bot, session.id)] == ["registered"]


async def test_abandoned_form_can_be_resumed_later(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    session = bot.publish("K12")
    siti = await Person.create(client)
    await siti.start("daftar_K12")
    await siti.press("privacy:yes")
    await siti.say("Siti Aminah")

    offer = await siti.command("jadwal")
    assert f"belum menyelesaikan pendaftaran untuk Caring Gedsi #{session.number}" in offer.text
    question = await siti.press("resume:yes")
    assert "Jenis kelamin" in question.text

    again = await siti.command("start")
    assert "Lanjutkan" in again.button_texts[0]
    left = await siti.press("resume:no")
    assert "dihentikan" in left.text
    assert "Selamat datang" in (await siti.command("start")).text


async def test_bad_inputs_get_a_clear_answer_and_lose_nothing(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    bot.publish("K12")
    siti = await Person.create(client, "<b>Siti</b>")
    await siti.start("daftar_K12")
    assert "Silakan pilih" in (await siti.say("setuju")).text
    await siti.press("privacy:yes")

    assert "huruf, spasi" in (await siti.say("Siti 2000")).text
    assert "terlalu pendek" in (await siti.say("Si")).text
    assert "hanya dapat membaca pesan teks" in (await siti.send_sticker()).text
    assert "hanya dapat membaca pesan teks" in (await siti.send_photo()).text
    assert "hanya dapat membaca pesan teks" in (await siti.send_voice()).text
    old_notice = await siti.message_with("privacy:yes")
    await siti.say("Siti Aminah")

    assert "Silakan pilih" in (await siti.send_sticker()).text
    assert "Silakan pilih" in (await siti.say("perempuan")).text
    answer, reprompt = await siti.press_on(old_notice, "privacy:yes")
    assert "tidak berlaku" in answer
    assert "Jenis kelamin" in reprompt.text
    await siti.press("sex:P")
    assert "4 angka" in (await siti.say("delapan lima")).text
    assert "terlalu baru" in (await siti.say("2024")).text
    assert "terlalu lama" in (await siti.say("1900")).text
    await siti.say("1985")
    await siti.press("cat:kader")
    await siti.say("PKK <RW 05> & Co")
    await siti.press("kel:luar_kota")
    await siti.press("dc:no")
    summary = await siti.press("acc:none")
    assert "Instansi: PKK <RW 05> & Co" in summary.text
    assert "Nama: Siti Aminah" in summary.text

    left = await siti.command("batal")
    assert "dihentikan" in left.text
    assert "Selamat datang" in (await siti.command("start")).text
    assert "<b>Siti</b>" in (await siti.messages())[-1].text


async def test_unknown_registration_code_is_explained(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    siti = await Person.create(client)
    reply = await siti.start("daftar_NOPE")
    assert "tidak dikenal" in reply.text


async def test_start_welcomes_and_subscribes_to_announcements(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    siti = await Person.create(client)
    welcome = await siti.start()
    assert "Selamat datang" in welcome.text
    reply = await siti.press("sub:yes")
    assert "Anda akan menerima kabar sesi baru" in reply.text
    assert service.find_participant(bot.services, siti.id).subscribed is True
    status = await siti.command("langganan")
    assert "menerima" in status.text
    await siti.press("sub:no")
    assert service.find_participant(bot.services, siti.id).subscribed is False


async def test_english_speakers_get_english_and_commands_are_set_in_both(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    bot.publish("K12")
    anna = await Person.create(client, "Anna", language_code="en")
    notice = await anna.start("daftar_K12")
    assert "Privacy notice" in notice.text
    assert notice.button_texts == ["✅ I agree", "I do not agree"]
    english = await client.commands(anna.id)
    indonesian = await client.commands((await Person.create(client)).id)
    assert english[0] == {"command": "jadwal", "description": "Session schedule and registration"}
    assert indonesian[0] == {"command": "jadwal", "description": "Jadwal sesi dan pendaftaran"}


async def test_link_to_another_session_mid_form_switches_and_keeps_the_answers(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    bot.publish("K12")
    later = bot.publish("K13", starts_at=TWO_WEEKS_LATER)
    siti = await Person.create(client)
    await siti.start("daftar_K12")
    await siti.press("privacy:yes")
    await siti.say("Siti Aminah")

    switched = await siti.start("daftar_K13")
    assert f"dialihkan ke Caring Gedsi #{later.number}" in switched.text
    assert "Jenis kelamin" in switched.text
    await siti.press("sex:P")
    await siti.say("1985")
    await siti.press("cat:kader")
    await siti.press("inst:none")
    await siti.press("kel:luar_kota")
    await siti.press("dc:no")
    await siti.press("acc:none")
    confirmation = await siti.confirm()
    assert "Kamis, 24 Desember 2026" in confirmation.text
    assert [row.status for row in registration_rows(bot, later.id)] == ["registered"]


async def test_a_message_edited_into_a_command_runs_nothing(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    session = bot.publish("K12")
    siti = await Person.create(client)
    await siti.register("K12")
    typed = await client.send_text(siti.id, "halo")
    siti.seen = (await client.wait_for_events(siti.id, 1, after=siti.seen, timeout=WAIT))[-1].seq

    await client.edit_text(siti.id, typed["message_id"], "/hapusdata")
    # Updates of one chat are handled in order: the reply to /jadwal comes after whatever the
    # edit would have caused.
    schedule = await siti.command("jadwal")

    assert "tidak dapat dibatalkan" not in schedule.text
    assert f"#{session.number}" in schedule.text
    assert [row.status for row in registration_rows(bot, session.id)] == ["registered"]


async def test_a_verification_link_opened_mid_form_answers_and_keeps_the_form(
    bot: BotHarness, client: AsyncSandboxClient
) -> None:
    bot.publish("K12")
    siti = await Person.create(client)
    await siti.start("daftar_K12")
    await siti.press("privacy:yes")

    verified = await siti.start("cek_ABCDEFGHJKMN")

    assert "tidak dikenal" in verified.text
    assert "Jenis kelamin" in (await siti.say("Siti Aminah")).text
