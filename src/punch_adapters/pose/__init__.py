"""Video and pose: OpenCV/PyAV decoding and encoding, MediaPipe PoseLandmarker with its model as package data."""
