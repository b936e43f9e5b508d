// SPDX-License-Identifier: MIT
pragma solidity ^0.8.28;

/// @title Multicall3, for local chains: several calls in one eth_call (or transaction), each answer returned.
/// @notice Written from the published Multicall3 interface (aggregate, tryAggregate, aggregate3 and their structs),
///         which the reference batch-settlement facilitator reads channel state through. Installed at the canonical
///         address 0xcA11bde05977b3631167028862bE2a173976CA11 with anvil_setCode; stateless, so no constructor is
///         missed. Not the canonical bytecode: no value-carrying or block-info helpers. Never deploy it anywhere
///         that matters.
contract Multicall3 {
    struct Call {
        address target;
        bytes callData;
    }

    struct Call3 {
        address target;
        bool allowFailure;
        bytes callData;
    }

    struct Result {
        bool success;
        bytes returnData;
    }

    /// Every call must succeed; answers the block number and each call's return data.
    function aggregate(Call[] calldata calls) external returns (uint256 blockNumber, bytes[] memory returnData) {
        returnData = new bytes[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool success, bytes memory answer) = calls[i].target.call(calls[i].callData);
            require(success, "Multicall3: call failed");
            returnData[i] = answer;
        }
        return (block.number, returnData);
    }

    /// Each call's success and data; with `requireSuccess`, any failure reverts the whole.
    function tryAggregate(bool requireSuccess, Call[] calldata calls) external returns (Result[] memory returnData) {
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool success, bytes memory answer) = calls[i].target.call(calls[i].callData);
            if (requireSuccess) require(success, "Multicall3: call failed");
            returnData[i] = Result(success, answer);
        }
    }

    /// Each call's success and data; a failure reverts the whole unless that call allows failure.
    function aggregate3(Call3[] calldata calls) external returns (Result[] memory returnData) {
        returnData = new Result[](calls.length);
        for (uint256 i = 0; i < calls.length; ++i) {
            (bool success, bytes memory answer) = calls[i].target.call(calls[i].callData);
            if (!success && !calls[i].allowFailure) revert("Multicall3: call failed");
            returnData[i] = Result(success, answer);
        }
    }

    function getBlockNumber() external view returns (uint256) {
        return block.number;
    }

    function getCurrentBlockTimestamp() external view returns (uint256) {
        return block.timestamp;
    }
}
