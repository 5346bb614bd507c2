"""The board's choice of SDL video driver when none is set."""

from display.video_driver import video_driver_for


def test_an_operator_or_a_desktop_session_decides(tmp_path):
    assert video_driver_for({"SDL_VIDEODRIVER": "x11"}, dri=str(tmp_path)) is None
    assert video_driver_for({"DISPLAY": ":0"}, dri=str(tmp_path)) is None
    assert video_driver_for({"WAYLAND_DISPLAY": "wayland-0"}, dri=str(tmp_path)) is None


def test_a_console_pi_drives_hdmi_itself_and_a_machine_without_screen_draws_offscreen(tmp_path):
    assert video_driver_for({}, dri=str(tmp_path)) == "offscreen"
    (tmp_path / "card0").touch()
    assert video_driver_for({}, dri=str(tmp_path)) == "kmsdrm"
