from django.forms.renderers import TemplatesSetting


class FormRenderer(TemplatesSetting):
    """Renders every form field through one template: label, widget, help and errors.

    Django links the help text and the errors to the input with aria-describedby.
    """

    field_template_name = "includes/form_field.html"
