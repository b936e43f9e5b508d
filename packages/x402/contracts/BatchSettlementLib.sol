// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// The collector interface x402BatchSettlement.deposit calls: pull `amount` of `token` from `payer` into the
/// settlement contract, authorised by `collectorData` (bound to `channelId`).
interface IDepositCollector {
    function collect(address payer, address token, uint256 amount, bytes32 channelId, bytes calldata collectorData) external;
}

interface IERC20Minimal {
    function balanceOf(address account) external view returns (uint256);
}

interface IERC1271 {
    function isValidSignature(bytes32 digest, bytes calldata signature) external view returns (bytes4);
}

/// Signature checks and token transfers shared by the settlement contract and its collectors.
library BatchSettlementLib {
    error TokenTransferFailed(address token);

    uint256 private constant HALF_CURVE_ORDER = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0;

    /// The signer of a 65-byte (r, s, v) signature, or address(0) when it is malformed or malleable.
    function recover(bytes32 digest, bytes memory signature) internal pure returns (address) {
        if (signature.length != 65) return address(0);
        bytes32 r;
        bytes32 s;
        uint8 v;
        assembly {
            r := mload(add(signature, 0x20))
            s := mload(add(signature, 0x40))
            v := byte(0, mload(add(signature, 0x60)))
        }
        if (uint256(s) > HALF_CURVE_ORDER || (v != 27 && v != 28)) return address(0);
        return ecrecover(digest, v, r, s);
    }

    /// True when `signer` signed `digest`: an ECDSA signature recovering it, or, when `signer` has code, its
    /// ERC-1271 `isValidSignature` answering the magic value.
    function isValidSignatureNow(address signer, bytes32 digest, bytes memory signature) internal view returns (bool) {
        if (signer == address(0)) return false;
        if (recover(digest, signature) == signer) return true;
        if (signer.code.length == 0) return false;
        (bool ok, bytes memory answer) = signer.staticcall(abi.encodeCall(IERC1271.isValidSignature, (digest, signature)));
        return ok && answer.length >= 32 && abi.decode(answer, (bytes4)) == IERC1271.isValidSignature.selector;
    }

    /// ERC-20 transfer that accepts tokens returning nothing, and fails on `false` or a revert.
    function safeTransfer(address token, address to, uint256 amount) internal {
        (bool ok, bytes memory answer) = token.call(abi.encodeWithSelector(0xa9059cbb, to, amount));
        if (!ok || (answer.length != 0 && !abi.decode(answer, (bool))) || (answer.length == 0 && token.code.length == 0)) {
            revert TokenTransferFailed(token);
        }
    }
}
