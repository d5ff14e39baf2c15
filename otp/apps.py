from django.apps import AppConfig


class OtpConfig(AppConfig):
    name = "otp"
    verbose_name = "Two-factor PINs"

    def ready(self) -> None:
        from core.generations import bump_on_change
        from messaging.secrets import secret_texts_register
        from otp.models import OtpPolicy
        from otp.services import pin_texts

        secret_texts_register(pin_texts)  # the dispatcher rebuilds a PIN's SMS from its pin_id
        bump_on_change(OtpPolicy)  # PINs are issued under a cached copy of the team's policy
