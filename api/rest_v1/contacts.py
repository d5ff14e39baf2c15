"""REST API v1 `contacts/...`, `groups/...` and `templates/...` (seed 001), in the swagger's shapes:
WebServiceContact(s), WebServiceGroup(s), WebServiceTemplate(s).

Choices where the seed is silent:
- ids are our primary keys; `contactId` and `groupId` are strings, `templateId` an integer (as the
  swagger types them); the `contactId`/`groupId`/`templateId` of a create body are ignored.
- lists are paginated like `messages/all` (`page` from 1, `pageSize` default 100, at most 1000) and
  also return `page`, `pageSize`, `elements`, `totalElements`, `totalPages`; `links` is `[]`.
- create and update answer 200 with the object; delete answers 204 with no body.
- the membership endpoints (GET or POST) answer 200 with the object named first in the path: the
  contact for `contacts/{id}/...`, the group for `groups/{id}/...`. Adding twice or removing a
  contact that is not in the group is not an error. `addFromGroup` REMOVES, as the seed describes
  it; `removeFromGroup` is the same endpoint under a clearer name.
- `templates/create` and `POST templates/{id}` (update) are not in the seed; bodies `{name, data}`.
"""

from django.db.models import QuerySet
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, extend_schema_serializer
from rest_framework import serializers
from rest_framework.response import Response

from api.fields import IntegerField
from contacts import selectors, services

from .base import BAD_PAGING, PAGING, TAGS, RestV1View, bad_request, error_responses, page_and_size

DEFAULT_PAGE_SIZE = 100

CONTACT_FIELDS = {
    "number": "contactNumber",
    "first_name": "firstName",
    "last_name": "lastName",
    "title": "title",
    "contact_id": "contactId",
    "group_id": "groupId",
}
GROUP_FIELDS = {"name": "name", "group_id": "groupId", "contact_id": "contactId"}
TEMPLATE_FIELDS = {"name": "name", "text": "data", "template_id": "templateId"}


class Links(serializers.ListField):
    """`links`: always `[]` here (no hypermedia)."""

    child = serializers.DictField()

    def to_representation(self, data) -> list:
        return []


@extend_schema_serializer(component_name="WebServiceContact")
class ContactOutput(serializers.Serializer):
    """WebServiceContact."""

    contactId = serializers.CharField(source="pk")
    contactNumber = serializers.CharField(source="number")
    firstName = serializers.CharField(source="first_name")
    lastName = serializers.CharField(source="last_name")
    title = serializers.CharField()
    links = Links(source="*", read_only=True)


@extend_schema_serializer(component_name="WebServiceGroup")
class GroupOutput(serializers.Serializer):
    """WebServiceGroup."""

    groupId = serializers.CharField(source="pk")
    name = serializers.CharField()
    links = Links(source="*", read_only=True)


@extend_schema_serializer(component_name="WebServiceTemplate")
class TemplateOutput(serializers.Serializer):
    """WebServiceTemplate: `data` is the text."""

    templateId = serializers.IntegerField(source="pk")
    name = serializers.CharField()
    data = serializers.CharField(source="text")  # type: ignore[assignment]  # a DRF field: see [tool.mypy]
    links = Links(source="*", read_only=True)


def _page_of(name: str, item: type[serializers.Serializer]) -> type[serializers.Serializer]:
    """The documented list shape, for the schema."""
    fields = {
        name: item(many=True),
        "links": Links(),
        "page": serializers.IntegerField(),
        "pageSize": serializers.IntegerField(),
        "elements": serializers.IntegerField(),
        "totalElements": serializers.IntegerField(),
        "totalPages": serializers.IntegerField(),
    }
    return type(name[0].upper() + name[1:], (serializers.Serializer,), fields)  # WebServiceContacts ...


ContactsPage = _page_of("webServiceContacts", ContactOutput)
GroupsPage = _page_of("webServiceGroups", GroupOutput)
TemplatesPage = _page_of("webServiceTemplates", TemplateOutput)
DELETED = OpenApiResponse(description="Deleted; no body.")
CONTACT_NOT_FOUND = ("contact_id", "Contact not found.")
GROUP_NOT_FOUND = ("group_id", "Group not found.")
TEMPLATE_NOT_FOUND = ("template_id", "Template not found.")
CONTACT = {
    "contactId": "42",
    "contactNumber": "+27725551234",
    "firstName": "Ada",
    "lastName": "Lovelace",
    "title": "Dr",
}
GROUP = {"groupId": "7", "name": "Customers"}
TEMPLATE = {"templateId": 3, "name": "Reminder", "data": "Your appointment is tomorrow."}


def _one(output: type[serializers.Serializer], value: dict) -> OpenApiResponse:
    return OpenApiResponse(output, examples=[OpenApiExample("Response", value={**value, "links": []})])


def _page(output: type[serializers.Serializer], key: str, value: dict) -> OpenApiResponse:
    page = {
        key: [{**value, "links": []}],
        "links": [],
        "page": 1,
        "pageSize": 100,
        "elements": 1,
        "totalElements": 1,
        "totalPages": 1,
    }
    return OpenApiResponse(output, examples=[OpenApiExample("One page", value=page)])


def _request(value: dict) -> list[OpenApiExample]:
    return [OpenApiExample("Request", request_only=True, value=value)]


def paginated(request, items: QuerySet, key: str, output: type[serializers.Serializer]) -> Response:
    """One count and one page query, whatever the page size."""
    page, size = page_and_size(request.query_params, default_size=DEFAULT_PAGE_SIZE)
    total = items.count()
    rows = list(items[(page - 1) * size : page * size])
    return Response(
        {
            key: output(rows, many=True).data,
            "links": [],
            "page": page,
            "pageSize": size,
            "elements": len(rows),
            "totalElements": total,
            "totalPages": (total + size - 1) // size,
        }
    )


def _text(**kwargs) -> serializers.CharField:
    return serializers.CharField(required=False, allow_blank=True, allow_null=True, **kwargs)


# Contacts


@extend_schema_serializer(component_name="WebServiceContactRequest")
class ContactCreateInput(serializers.Serializer):
    firstName = _text(max_length=100)
    lastName = _text(max_length=100)
    contactId = _text()
    contactNumber = serializers.CharField(max_length=32)
    title = _text(max_length=50)


@extend_schema_serializer(component_name="WebServiceContactUpdateRequest")
class ContactUpdateInput(serializers.Serializer):
    firstName = _text(max_length=100)
    lastName = _text(max_length=100)
    contactId = _text()
    contactNumber = _text(max_length=32)
    title = _text(max_length=50)


class ContactsAllApi(RestV1View):
    @extend_schema(
        operation_id="rest_v1_contacts_all",
        tags=TAGS,
        summary="All contacts (paginated)",
        parameters=PAGING,
        responses={200: _page(ContactsPage, "webServiceContacts", CONTACT), **error_responses(BAD_PAGING)},
    )
    def get(self, request):
        contacts = selectors.contact_list(team=request.user.team)
        return paginated(request, contacts, "webServiceContacts", ContactOutput)


class ContactCreateApi(RestV1View):
    error_fields = CONTACT_FIELDS

    @extend_schema(
        operation_id="rest_v1_contacts_create",
        tags=TAGS,
        summary="Create a contact",
        description="`contactNumber` is required; a `contactId` in the body is ignored.",
        request=ContactCreateInput,
        responses={
            200: _one(ContactOutput, CONTACT),
            **error_responses(bad_request("No number", "This field is required.", field="contactNumber")),
        },
        examples=_request({k: v for k, v in CONTACT.items() if k != "contactId"}),
    )
    def post(self, request):
        data = ContactCreateInput(data=self.params)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        contact = services.contact_create(
            team=request.user.team,
            number=body["contactNumber"],
            first_name=body.get("firstName") or "",
            last_name=body.get("lastName") or "",
            title=body.get("title") or "",
        )
        return Response(ContactOutput(contact).data)


class ContactDetailApi(RestV1View):
    error_fields = CONTACT_FIELDS

    @extend_schema(
        operation_id="rest_v1_contacts_get",
        tags=TAGS,
        summary="One contact",
        responses={200: _one(ContactOutput, CONTACT), **error_responses(not_found=CONTACT_NOT_FOUND)},
    )
    def get(self, request, contact_id):
        return Response(ContactOutput(selectors.contact_get(team=request.user.team, contact_id=contact_id)).data)

    @extend_schema(
        operation_id="rest_v1_contacts_update",
        tags=TAGS,
        summary="Update a contact (the fields given)",
        request=ContactUpdateInput,
        responses={200: _one(ContactOutput, CONTACT), **error_responses(not_found=CONTACT_NOT_FOUND)},
        examples=_request({"firstName": "Ada", "title": "Dr"}),
    )
    def post(self, request, contact_id):
        team = request.user.team
        contact = selectors.contact_get(team=team, contact_id=contact_id)
        data = ContactUpdateInput(data=self.params)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        contact = services.contact_update(
            team=team,
            contact=contact,
            number=body.get("contactNumber") or None,
            first_name=body.get("firstName"),
            last_name=body.get("lastName"),
            title=body.get("title"),
        )
        return Response(ContactOutput(contact).data)

    @extend_schema(
        operation_id="rest_v1_contacts_delete",
        tags=TAGS,
        summary="Delete a contact",
        responses={204: DELETED, **error_responses(not_found=CONTACT_NOT_FOUND)},
    )
    def delete(self, request, contact_id):
        team = request.user.team
        services.contact_delete(team=team, contact=selectors.contact_get(team=team, contact_id=contact_id))
        return Response(status=204)


class ContactGroupApi(RestV1View):
    """`contacts/{contactId}/addToGroup/{groupId}`; `add = False` for addFromGroup / removeFromGroup."""

    error_fields = CONTACT_FIELDS
    add = True

    @extend_schema(
        tags=TAGS,
        request=None,
        summary="Add a contact to a group (addToGroup), or remove it (addFromGroup, removeFromGroup)",
        description="`addFromGroup` REMOVES the contact from the group, as the seed describes it; "
        "`removeFromGroup` is the same with a clearer name. GET and POST do the same; adding twice or removing "
        "a contact that is not in the group is not an error. Answers with the contact.",
        responses={200: _one(ContactOutput, CONTACT), **error_responses(not_found=CONTACT_NOT_FOUND)},
    )
    def post(self, request, contact_id, group_id):
        team = request.user.team
        contact = selectors.contact_get(team=team, contact_id=contact_id)
        group = selectors.group_get(team=team, group_id=group_id)
        action = services.group_contact_add if self.add else services.group_contact_remove
        action(team=team, group=group, contact=contact)
        return Response(ContactOutput(contact).data)

    get = post


# Groups


@extend_schema_serializer(component_name="WebServiceGroupRequest")
class GroupInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    groupId = _text()


class GroupsAllApi(RestV1View):
    @extend_schema(
        operation_id="rest_v1_groups_all",
        tags=TAGS,
        summary="All groups (paginated)",
        parameters=PAGING,
        responses={200: _page(GroupsPage, "webServiceGroups", GROUP), **error_responses(BAD_PAGING)},
    )
    def get(self, request):
        return paginated(request, selectors.group_list(team=request.user.team), "webServiceGroups", GroupOutput)


class GroupCreateApi(RestV1View):
    error_fields = GROUP_FIELDS

    @extend_schema(
        operation_id="rest_v1_groups_create",
        tags=TAGS,
        summary="Create a group",
        description="A `groupId` in the body is ignored.",
        request=GroupInput,
        responses={
            200: _one(GroupOutput, GROUP),
            **error_responses(bad_request("No name", "This field is required.", field="name")),
        },
        examples=_request({"name": "Customers"}),
    )
    def post(self, request):
        data = GroupInput(data=self.params)
        data.is_valid(raise_exception=True)
        group = services.group_create(team=request.user.team, name=data.validated_data["name"])
        return Response(GroupOutput(group).data)


class GroupDetailApi(RestV1View):
    error_fields = GROUP_FIELDS

    @extend_schema(
        operation_id="rest_v1_groups_get",
        tags=TAGS,
        summary="One group",
        responses={200: _one(GroupOutput, GROUP), **error_responses(not_found=GROUP_NOT_FOUND)},
    )
    def get(self, request, group_id):
        return Response(GroupOutput(selectors.group_get(team=request.user.team, group_id=group_id)).data)

    @extend_schema(
        operation_id="rest_v1_groups_update",
        tags=TAGS,
        summary="Rename a group",
        request=GroupInput,
        responses={200: _one(GroupOutput, GROUP), **error_responses(not_found=GROUP_NOT_FOUND)},
        examples=_request({"name": "Customers"}),
    )
    def post(self, request, group_id):
        team = request.user.team
        group = selectors.group_get(team=team, group_id=group_id)
        data = GroupInput(data=self.params)
        data.is_valid(raise_exception=True)
        return Response(
            GroupOutput(services.group_update(team=team, group=group, name=data.validated_data["name"])).data
        )

    @extend_schema(
        operation_id="rest_v1_groups_delete",
        tags=TAGS,
        summary="Delete a group (its contacts stay)",
        responses={204: DELETED, **error_responses(not_found=GROUP_NOT_FOUND)},
    )
    def delete(self, request, group_id):
        team = request.user.team
        services.group_delete(team=team, group=selectors.group_get(team=team, group_id=group_id))
        return Response(status=204)


class GroupContactApi(RestV1View):
    """`groups/{groupId}/addContact/{contactId}` and `/removeContact/{contactId}`."""

    error_fields = GROUP_FIELDS
    add = True

    @extend_schema(
        tags=TAGS,
        request=None,
        summary="Add a contact to the group (addContact), or remove it (removeContact)",
        description="GET and POST do the same; adding twice or removing a contact that is not in the group is "
        "not an error. Answers with the group.",
        responses={200: _one(GroupOutput, GROUP), **error_responses(not_found=GROUP_NOT_FOUND)},
    )
    def post(self, request, group_id, contact_id):
        team = request.user.team
        group = selectors.group_get(team=team, group_id=group_id)
        contact = selectors.contact_get(team=team, contact_id=contact_id)
        action = services.group_contact_add if self.add else services.group_contact_remove
        action(team=team, group=group, contact=contact)
        return Response(GroupOutput(group).data)

    get = post


# Templates


@extend_schema_serializer(component_name="WebServiceTemplateRequest")
class TemplateCreateInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    data = serializers.CharField(trim_whitespace=False)  # type: ignore[assignment]  # a DRF field: see [tool.mypy]
    templateId = IntegerField(required=False, allow_null=True)


@extend_schema_serializer(component_name="WebServiceTemplateUpdateRequest")
class TemplateUpdateInput(serializers.Serializer):
    name = _text(max_length=100)
    data = _text(trim_whitespace=False)  # type: ignore[assignment]  # a DRF field: see [tool.mypy]
    templateId = IntegerField(required=False, allow_null=True)


class TemplatesAllApi(RestV1View):
    @extend_schema(
        operation_id="rest_v1_templates_all",
        tags=TAGS,
        summary="All templates (paginated)",
        parameters=PAGING,
        responses={200: _page(TemplatesPage, "webServiceTemplates", TEMPLATE), **error_responses(BAD_PAGING)},
    )
    def get(self, request):
        templates = selectors.template_list(team=request.user.team)
        return paginated(request, templates, "webServiceTemplates", TemplateOutput)


class TemplateCreateApi(RestV1View):
    error_fields = TEMPLATE_FIELDS

    @extend_schema(
        operation_id="rest_v1_templates_create",
        tags=TAGS,
        summary="Create a template (not in the seed)",
        description="`data` is the text; a `templateId` in the body is ignored.",
        request=TemplateCreateInput,
        responses={
            200: _one(TemplateOutput, TEMPLATE),
            **error_responses(bad_request("No text", "This field is required.", field="data")),
        },
        examples=_request({"name": "Reminder", "data": "Your appointment is tomorrow."}),
    )
    def post(self, request):
        data = TemplateCreateInput(data=self.params)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        template = services.template_create(team=request.user.team, name=body["name"], text=body["data"])
        return Response(TemplateOutput(template).data)


class TemplateDetailApi(RestV1View):
    error_fields = TEMPLATE_FIELDS

    @extend_schema(
        operation_id="rest_v1_templates_get",
        tags=TAGS,
        summary="One template",
        responses={200: _one(TemplateOutput, TEMPLATE), **error_responses(not_found=TEMPLATE_NOT_FOUND)},
    )
    def get(self, request, template_id):
        return Response(TemplateOutput(selectors.template_get(team=request.user.team, template_id=template_id)).data)

    @extend_schema(
        operation_id="rest_v1_templates_update",
        tags=TAGS,
        summary="Update a template (not in the seed)",
        request=TemplateUpdateInput,
        responses={200: _one(TemplateOutput, TEMPLATE), **error_responses(not_found=TEMPLATE_NOT_FOUND)},
        examples=_request({"data": "Your appointment is the day after tomorrow."}),
    )
    def post(self, request, template_id):
        team = request.user.team
        template = selectors.template_get(team=team, template_id=template_id)
        data = TemplateUpdateInput(data=self.params)
        data.is_valid(raise_exception=True)
        body = data.validated_data
        template = services.template_update(team=team, template=template, name=body.get("name"), text=body.get("data"))
        return Response(TemplateOutput(template).data)

    @extend_schema(
        operation_id="rest_v1_templates_delete",
        tags=TAGS,
        summary="Delete a template",
        responses={204: DELETED, **error_responses(not_found=TEMPLATE_NOT_FOUND)},
    )
    def delete(self, request, template_id):
        team = request.user.team
        services.template_delete(team=team, template=selectors.template_get(team=team, template_id=template_id))
        return Response(status=204)
