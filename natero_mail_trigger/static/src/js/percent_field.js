/**
 * natero_percent: a rate already in percent (0-100, e.g. natero.trigger.stat's
 * ctr) shown with its percent sign, "12.5 %". Odoo's own "percentage" widget
 * expects a fraction (0.125).
 */
import {registry} from "@web/core/registry";
import {FloatField, floatField} from "@web/views/fields/float/float_field";

export class NateroPercentField extends FloatField {
    get formattedValue() {
        const value = super.formattedValue;
        return this.props.readonly && value !== "" ? `${value} %` : value;
    }
}

registry.category("fields").add("natero_percent", {
    ...floatField,
    component: NateroPercentField,
});
