"""The live workshop: a local web server for the room (participants' phones, projector, facilitator)."""
