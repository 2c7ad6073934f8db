#!/usr/bin/python3
"""A camera that is not ours: GStreamer's RTSP server (gst-rtsp-server, from Debian) serving
a live 640x360 H.264 test pattern at rtsp://127.0.0.1:PORT/test.

Usage: gst_rtsp_server.py PORT [USER PASSWORD]
Prints "READY" on stdout once it accepts connections. Needs Debian's python3-gi,
gir1.2-gst-rtsp-server-1.0 and gstreamer1.0-plugins-{base,good,ugly,bad}.
"""
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtspServer  # noqa: E402

Gst.init(None)
port = sys.argv[1]
server = GstRtspServer.RTSPServer()
server.set_address("127.0.0.1")
server.set_service(port)
factory = GstRtspServer.RTSPMediaFactory()
factory.set_shared(True)
factory.set_launch(
    "( videotestsrc is-live=true pattern=ball ! video/x-raw,width=640,height=360,framerate=25/1 "
    "! x264enc tune=zerolatency speed-preset=ultrafast key-int-max=25 ! video/x-h264,profile=baseline "
    "! rtph264pay name=pay0 pt=96 config-interval=1 )"
)
if len(sys.argv) >= 4:
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string("media.factory.role", "camera-user")
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(sys.argv[2], sys.argv[3]), token)
    server.set_auth(auth)
    permissions = GstRtspServer.RTSPPermissions()
    permissions.add_role("camera-user")
    permissions.add_permission_for_role("camera-user", "media.factory.access", True)
    permissions.add_permission_for_role("camera-user", "media.factory.construct", True)
    factory.set_permissions(permissions)
server.get_mount_points().add_factory("/test", factory)
server.attach(None)
print("READY", flush=True)
GLib.MainLoop().run()
