"""Forms for patient accounts: sign-up, and a password reset that e-mails through the queue."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import PasswordResetForm
from django.template import loader

from kernel.models import User
from kernel.notifications import email_user


class SignupForm(forms.Form):
    display_name = forms.CharField(
        label="Public display name",
        min_length=2,
        max_length=60,
        help_text=(
            "Shown next to your reviews instead of your name, for example “Sam from Leeds”. "
            "Your e-mail address is never shown to anyone."
        ),
        error_messages={
            "required": "Choose the name shown next to your reviews.",
            "min_length": "Use at least 2 characters.",
            "max_length": "Use at most 60 characters.",
        },
    )
    email = forms.EmailField(
        label="E-mail address",
        max_length=254,
        help_text="We send a link to confirm it. It stays private.",
        error_messages={
            "required": "Enter your e-mail address.",
            "invalid": "Enter an e-mail address like name@example.com.",
        },
    )
    password1 = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters; not a common password and not only digits.",
        error_messages={"required": "Choose a password."},
    )
    password2 = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        error_messages={"required": "Enter the same password again."},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["display_name"].widget.attrs["autocomplete"] = "nickname"
        self.fields["email"].widget.attrs["autocomplete"] = "email"

    def clean_display_name(self) -> str:
        name = " ".join(self.cleaned_data["display_name"].split())
        if "@" in name:
            raise forms.ValidationError(
                "Your display name is public: do not use your e-mail address."
            )
        if not any(ch.isalpha() for ch in name):
            raise forms.ValidationError("Use at least one letter in your display name.")
        return name

    def clean(self):
        data = super().clean()
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "The two passwords are different.")
        elif password1:
            candidate = User(email=data.get("email", ""), display_name=data.get("display_name", ""))
            try:
                password_validation.validate_password(password1, candidate)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, sending its e-mail through the task queue on commit."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        email_user(to=to_email, subject=subject, template=email_template_name, context=context)
