"""Looking for a loudspeaker before SDL does, so a machine without one logs one line."""

from voice.audio_devices import playback_device_present


def test_playback_device_probe_reads_the_environment_and_dev_snd(tmp_path):
    assert playback_device_present({"SDL_AUDIODRIVER": "alsa"}, dev=str(tmp_path))
    assert not playback_device_present({}, dev=str(tmp_path))
    (tmp_path / "controlC0").touch()
    assert not playback_device_present({}, dev=str(tmp_path))  # a card without playback
    (tmp_path / "pcmC0D0p").touch()
    assert playback_device_present({}, dev=str(tmp_path))
    runtime = tmp_path / "run"
    (runtime / "pulse").mkdir(parents=True)
    (runtime / "pulse" / "native").touch()
    assert playback_device_present({"XDG_RUNTIME_DIR": str(runtime)}, dev="/nonexistent")
