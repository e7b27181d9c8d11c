"""Sign-in: access tokens (JWT) and the identity providers (Google OpenID Connect, Kakao OAuth 2.0) on Authlib."""
