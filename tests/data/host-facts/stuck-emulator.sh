#!/bin/sh
# A fake emulator that never answers: the probe must cut it off by its timeout.
exec sleep 1000000
